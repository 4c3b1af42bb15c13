"""cocotb testbench for hwq's Verilog tops: stream input vectors, one per clock, and record the results.

The design has the ports every hwq top has: clk, rst, in_valid, in_data, out_valid, out_data.
HWQ_STREAM_IN names a file of packed input vectors (hex, one per line, element 0 in the low bits);
the packed out_data of every cycle with out_valid high is written to HWQ_STREAM_OUT in the same form.
"""

from __future__ import annotations

import os
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

RESET_CYCLES = 2
SLACK_CYCLES = 16  # how long to wait for the last results after the inputs end


@cocotb.test()
async def stream(dut) -> None:
    vectors = [int(line, 16) for line in Path(os.environ["HWQ_STREAM_IN"]).read_text().split()]
    out_bits = len(dut.out_data)
    Clock(dut.clk, 2, unit="ns").start()
    edge = FallingEdge(dut.clk)  # inputs change and outputs are read half a clock away from the registers
    in_valid, in_data, out_valid, out_data = dut.in_valid, dut.in_data, dut.out_valid, dut.out_data

    dut.rst.value = 1
    in_valid.value = 0
    in_data.value = 0
    for _ in range(RESET_CYCLES):
        await edge
    dut.rst.value = 0

    results = []
    in_valid.value = 1
    for v in vectors:  # pipelined: a new vector every clock, results come back one clock later
        in_data.value = v
        await edge
        if out_valid.value:
            results.append(out_data.value.to_unsigned())
    in_valid.value = 0
    for _ in range(SLACK_CYCLES):
        if len(results) == len(vectors):
            break
        await edge
        if out_valid.value:
            results.append(out_data.value.to_unsigned())

    digits = max(1, -(-out_bits // 4))
    Path(os.environ["HWQ_STREAM_OUT"]).write_text("".join(f"{r:0{digits}x}\n" for r in results))
    assert len(results) == len(vectors), f"{len(vectors)} vectors in, {len(results)} results out"
