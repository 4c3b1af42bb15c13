"""cocotb testbench for hwq's Verilog tops: stream input vectors, one per clock, and record the results.

The design has the control ports every hwq top has (clk, rst, in_valid, out_valid) and one data port
per graph input and output. HWQ_STREAM_INPUTS and HWQ_STREAM_OUTPUTS name them, comma-separated, in
order (default: in_data and out_data). HWQ_STREAM_IN names a file of input vectors (hex, one per line:
element 0 in the low bits of its port, port 0 in the low bits of the line); the outputs of every cycle
with out_valid high are written to HWQ_STREAM_OUT in the same form.
"""

from __future__ import annotations

import os
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

RESET_CYCLES = 2
SLACK_CYCLES = 16  # how long to wait for the last results after the inputs end


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

    results = []
    in_valid.value = 1
    for v in vectors:  # pipelined: a new vector every clock, results come back one clock later
        drive(v)
        await edge
        if out_valid.value:
            results.append(read())
    in_valid.value = 0
    for _ in range(SLACK_CYCLES):
        if len(results) == len(vectors):
            break
        await edge
        if out_valid.value:
            results.append(read())

    digits = max(1, -(-out_bits // 4))
    Path(os.environ["HWQ_STREAM_OUT"]).write_text("".join(f"{r:0{digits}x}\n" for r in results))
    assert len(results) == len(vectors), f"{len(vectors)} vectors in, {len(results)} results out"
