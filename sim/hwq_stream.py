"""cocotb testbench for hwq's Verilog tops: stream input vectors, one per clock, and record the results.

The design has the control ports every hwq top has (clk, rst, in_valid, out_valid) and one data port
per graph input and output. HWQ_STREAM_INPUTS and HWQ_STREAM_OUTPUTS name them, comma-separated, in
order (default: in_data and out_data). HWQ_STREAM_IN names a file of input vectors (hex, one per line:
element 0 in the low bits of its port, port 0 in the low bits of the line); the outputs of every cycle
with out_valid high are written to HWQ_STREAM_OUT in the same form.

HWQ_STREAM_LATENCY: the design's clocks from in_valid to out_valid (default 1; a pipelined top's stages), so the
test waits long enough for the last results. HWQ_STREAM_GAPS: the share of clocks with in_valid low (default 0),
drawn from HWQ_STREAM_SEED, with other data on the input ports meanwhile: the design must drop it.
HWQ_STREAM_CLOCKS (optional) names a file for each result's clocks after its input (the latency measured).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

RESET_CYCLES = 2
SLACK_CYCLES = 16  # how long to wait for the last results after the inputs end, beyond the latency


def _ports(dut, variable: str, default: str) -> list[tuple[object, int, int]]:
    """(handle, low bit in the packed word, width) for each named port."""
    ports, lo = [], 0
    for name in os.environ.get(variable, default).split(","):
        handle = getattr(dut, name)
        ports.append((handle, lo, len(handle)))
        lo += len(handle)
    return ports


@cocotb.test()
async def stream(dut) -> None:
    vectors = [int(line, 16) for line in Path(os.environ["HWQ_STREAM_IN"]).read_text().split()]
    inputs = _ports(dut, "HWQ_STREAM_INPUTS", "in_data")
    outputs = _ports(dut, "HWQ_STREAM_OUTPUTS", "out_data")
    out_bits = sum(width for _, _, width in outputs)
    in_bits = sum(width for _, _, width in inputs)
    latency = int(os.environ.get("HWQ_STREAM_LATENCY", "1"))
    gaps = float(os.environ.get("HWQ_STREAM_GAPS", "0"))
    rng = random.Random(int(os.environ.get("HWQ_STREAM_SEED", "0")))
    Clock(dut.clk, 2, unit="ns").start()
    edge = FallingEdge(dut.clk)  # inputs change and outputs are read half a clock away from the registers
    in_valid, out_valid = dut.in_valid, dut.out_valid

    def drive(word: int) -> None:
        for handle, lo, width in inputs:
            handle.value = (word >> lo) & ((1 << width) - 1)

    def read() -> int:
        return sum(handle.value.to_unsigned() << lo for handle, lo, _ in outputs)

    dut.rst.value = 1
    in_valid.value = 0
    drive(0)
    for _ in range(RESET_CYCLES):
        await edge
    dut.rst.value = 0

    results, sent_at, clocks = [], [], []
    clock = 0

    async def tick() -> None:
        nonlocal clock
        await edge
        clock += 1
        if out_valid.value:
            results.append(read())
            clocks.append(clock - sent_at[len(results) - 1] if len(results) <= len(sent_at) else -1)

    while len(sent_at) < len(vectors):  # a new vector every clock (but in gaps), results `latency` clocks later
        if gaps and rng.random() < gaps:
            in_valid.value = 0
            drive(rng.getrandbits(in_bits))
        else:
            in_valid.value = 1
            drive(vectors[len(sent_at)])
            sent_at.append(clock)
        await tick()
    in_valid.value = 0
    for _ in range(latency + SLACK_CYCLES):
        if len(results) >= len(vectors):
            break
        await tick()

    digits = max(1, -(-out_bits // 4))
    Path(os.environ["HWQ_STREAM_OUT"]).write_text("".join(f"{r:0{digits}x}\n" for r in results))
    if os.environ.get("HWQ_STREAM_CLOCKS"):
        Path(os.environ["HWQ_STREAM_CLOCKS"]).write_text("".join(f"{c}\n" for c in clocks))
    assert len(results) == len(vectors), f"{len(vectors)} vectors in, {len(results)} results out"
