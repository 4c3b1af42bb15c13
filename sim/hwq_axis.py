"""cocotb testbench for hwq's streaming Verilog tops (io="stream"): images through AXI4-Stream ports.

The design's ports are clk, rst and, per graph input and output, an AXI4-Stream port `<prefix>_tdata/tvalid/
tready/tlast`. cocotbext-axi drives and monitors them: an AxiStreamSource per input sends each image as one
frame (tlast on its last transfer), with random gaps in tvalid; an AxiStreamSink per output takes one frame per
image (the design raises tlast with an image's last transfer) with random backpressure on tready. Any latency
is fine: the test waits for every image, or gives up after a number of clocks (a deadlock).

HWQ_AXIS_SPEC names a JSON file:
    inputs:  [{prefix, file}]: file holds one image per line, its frame's bytes in hex
    outputs: [{prefix, file, images, expected?}]: where to write the frames received, likewise; `expected` (optional)
             names a file of the frames each image should give: then the test compares them itself
    gaps, stall: the probabilities that a source holds tvalid low / a sink holds tready low in a clock
    seed, timeout_clocks, report: a JSON file for the timing (clocks of every frame's first and last transfer)
"""

from __future__ import annotations

import json
import logging
import os
import random
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge
from cocotb.utils import get_sim_steps
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

PERIOD_NS = 2
RESET_CYCLES = 3
POLL_CYCLES = 256  # how often the watchdog looks


def _pauses(rng: random.Random, p: float):
    """A pause generator: True (pause this clock) with probability p."""
    while True:
        yield rng.random() < p


@cocotb.test()
async def images(dut) -> None:
    spec = json.loads(Path(os.environ["HWQ_AXIS_SPEC"]).read_text())
    rng = random.Random(spec.get("seed", 0))
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    dut.rst.value = 1

    sources = []
    for port in spec["inputs"]:
        source = AxiStreamSource(AxiStreamBus.from_prefix(dut, port["prefix"]), dut.clk, dut.rst)
        source.log.setLevel(logging.WARNING)  # not a line per frame
        if spec["gaps"] > 0:
            source.set_pause_generator(_pauses(random.Random(rng.random()), spec["gaps"]))
        frames = [bytes.fromhex(line) for line in Path(port["file"]).read_text().split()]
        sources.append((source, frames))
    sinks = []
    for port in spec["outputs"]:
        sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, port["prefix"]), dut.clk, dut.rst)
        sink.log.setLevel(logging.WARNING)
        if spec["stall"] > 0:
            sink.set_pause_generator(_pauses(random.Random(rng.random()), spec["stall"]))
        sinks.append((sink, port))

    await ClockCycles(dut.clk, RESET_CYCLES)
    dut.rst.value = 0
    await RisingEdge(dut.clk)
    start = _clock(cocotb.utils.get_sim_time("step"))
    sent: list[list[AxiStreamFrame]] = [[] for _ in sources]  # as the sources report them sent
    for k, (source, frames) in enumerate(sources):
        for f in frames:
            source.send_nowait(AxiStreamFrame(f, tx_complete=sent[k].append))

    received: list[list[AxiStreamFrame]] = [[] for _ in sinks]

    async def take(k: int) -> None:
        sink, port = sinks[k]
        for _ in range(port["images"]):
            received[k].append(await sink.recv())

    tasks = [cocotb.start_soon(take(k)) for k in range(len(sinks))]
    waited = 0
    while not all(t.done() for t in tasks) and waited < spec["timeout_clocks"]:
        await ClockCycles(dut.clk, POLL_CYCLES)
        waited += POLL_CYCLES
    for t in tasks:
        if not t.done():
            t.cancel()

    for (_, port), frames in zip(sinks, received, strict=True):
        Path(port["file"]).write_text("".join(bytes(f.tdata).hex() + "\n" for f in frames))
    report = {"start": start,
              "inputs": [[[_clock(f.sim_time_start), _clock(f.sim_time_end)] for f in frames] for frames in sent],
              "outputs": [[[_clock(f.sim_time_start), _clock(f.sim_time_end)] for f in frames] for frames in received]}
    Path(spec["report"]).write_text(json.dumps(report))
    missing = [f"{port['prefix']}: {len(frames)} of {port['images']} images"
               for (_, port), frames in zip(sinks, received, strict=True) if len(frames) < port["images"]]
    assert not missing, f"not every image came out after {waited} clocks (a deadlock?): {'; '.join(missing)}"
    differ = []
    for (_, port), frames in zip(sinks, received, strict=True):
        if "expected" in port:
            want = [bytes.fromhex(line) for line in Path(port["expected"]).read_text().split()]
            bad = [i for i, (f, w) in enumerate(zip(frames, want, strict=True)) if bytes(f.tdata) != w]
            if bad:
                differ.append(f"{port['prefix']}: {len(bad)} of {len(want)} images differ, the first is image {bad[0]}")
    assert not differ, "; ".join(differ)


def _clock(steps: int | None) -> int | None:
    """The clock count at a simulation time in steps (None for None: a frame never sent or received)."""
    return None if steps is None else int(steps) // get_sim_steps(PERIOD_NS, "ns")
