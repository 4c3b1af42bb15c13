"""StreamProject: a streaming Verilog design (io="stream"), run on Verilator through the batched AXI4-Stream harness
at full rate (the fast path) or through cocotb, its AXI4-Stream ports driven by cocotbext-axi with random gaps and
backpressure (the testbench sim/hwq_axis.py)."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwq.backends.verilog import verilator
from hwq.backends.verilog.harness import AxisWords, StreamHarness, harness_library, stream_driver
from hwq.backends.verilog.project import ENGINES, VerilogProject
from hwq.backends.verilog.stream.ports import AxisPort, axis_ports
from hwq.backends.verilog.vectors import pack, pack_words, unpack, unpack_words
from hwq.ir import Graph
from hwq.passes.schedule import schedule

TESTBENCH = "hwq_axis"  # the cocotb module in sim/


@dataclass
class StreamRun:
    """What one run through the testbench measured, in clocks."""

    images: int
    stall: float
    gaps: float
    clocks: int  # from the first input transfer to the last output transfer
    latency: int  # of the first image: from its first input transfer to its last output transfer
    clocks_per_image: float  # the steady state: between the last transfers of consecutive images


class StreamProject(VerilogProject):
    """rtl/ (the primitives, one module per node's arithmetic, the streaming top), tb/ with one image per line of
    test vectors and an AXI4-Stream testbench, a Makefile, schedule.json.

    run_ports() sends every image through the AXI4-Stream inputs as one frame and collects one frame per image
    from each output: by default through the batched harness at the full rate (tvalid and tready always high);
    with engine="cocotb" (the default when `stall`, `gaps` or `expected` is given) through cocotb, with random
    gaps in tvalid (probability `gaps` per clock) and random backpressure on the outputs (probability `stall`);
    `last_run` holds the clocks that took.
    """

    stall = 0.2
    gaps = 0.2
    seed = 0

    def __init__(self, graph: Graph, path: Path, top: str, inputs: list[AxisPort] | None = None,
                 outputs: list[AxisPort] | None = None, parallelism: dict[str, int] | None = None):
        """`parallelism`: the one the design was emitted with (None: read from the project's schedule.json)."""
        if parallelism is None:
            parallelism = _parallelism(Path(path) / "schedule.json")
        self.parallelism = dict(parallelism)
        if inputs is None or outputs is None:
            inputs, outputs = axis_ports(graph, schedule(graph, "stream", self.parallelism))
        super().__init__(graph, path, top, [p.prefix for p in inputs], [p.prefix for p in outputs])
        self.axis_inputs, self.axis_outputs = inputs, outputs
        self.last_run: StreamRun | None = None

    def schedule(self):
        """The stream schedule the design follows."""
        return schedule(self.graph, "stream", self.parallelism)

    @property
    def public_ports(self) -> list[str]:
        return ["clk", "rst", *(s for p in self.axis_inputs + self.axis_outputs for s in p.signals)]

    def harness(self) -> StreamHarness:
        """The batched AXI4-Stream harness, built once (again only when the RTL changed) and loaded."""
        if self._harness is not None:
            return self._harness
        inputs = [AxisWords(p.prefix, p.transfers, -(-p.tdata_bits // 32)) for p in self.axis_inputs]
        outputs = [AxisWords(p.prefix, p.transfers, -(-p.tdata_bits // 32)) for p in self.axis_outputs]
        driver = stream_driver(self.top, inputs, outputs)
        self._harness = StreamHarness(harness_library(self.sim_sources, self.top, self.harness_dir, driver), inputs,
                                      outputs)
        return self._harness

    def run_ports(self, ports: list[np.ndarray], stall: float | None = None, gaps: float | None = None,
                  seed: int | None = None, expected: list[np.ndarray] | None = None, engine: str | None = None,
                  threads: int = 0) -> list[np.ndarray]:
        """Input-port mantissas (batch, size) per input -> output mantissas (batch, size) per output, every image
        streamed through the AXI4-Stream ports (see the class). With `expected` output mantissas, the cocotb
        testbench compares every image itself and fails (SimulationError) naming the first that differs."""
        protocol = stall is not None or gaps is not None or expected is not None  # asked of the testbench
        engine = engine or ("cocotb" if protocol else "harness")
        if engine not in ENGINES:
            raise ValueError(f"engine={engine!r}: choose one of {', '.join(ENGINES)}")
        if engine == "harness" and (stall or gaps or expected is not None):
            raise ValueError("the harness runs at the full rate and returns the outputs: stall, gaps and expected "
                             "need engine='cocotb'")
        stall = self.stall if stall is None else stall
        gaps = self.gaps if gaps is None else gaps
        batch = len(ports[0])
        if batch == 0:
            return [np.zeros((0, v.size), dtype=np.int64) for v in self.graph.output_values]
        if engine == "harness":
            return self._run_stream_harness(ports, threads)
        self.compile()
        plan = self.schedule()
        timeout = int(10 * (batch + 2) * self._longest(plan) / ((1 - stall) * (1 - gaps))) + 4 * plan.latency + 10_000
        with tempfile.TemporaryDirectory(prefix="run-", dir=self.build_dir) as tmp:
            work = Path(tmp)
            spec = {"inputs": [], "outputs": [], "stall": stall, "gaps": gaps, "timeout_clocks": timeout,
                    "seed": self.seed if seed is None else seed, "report": str(work / "report.json")}
            for k, (p, m) in enumerate(zip(self.axis_inputs, ports, strict=True)):
                (work / f"in{k}.hex").write_text(_frames(p, m))
                spec["inputs"].append({"prefix": p.prefix, "file": str(work / f"in{k}.hex")})
            for k, p in enumerate(self.axis_outputs):
                spec["outputs"].append({"prefix": p.prefix, "file": str(work / f"out{k}.hex"), "images": batch})
                if expected is not None:
                    (work / f"want{k}.hex").write_text(_frames(p, expected[k]))
                    spec["outputs"][-1]["expected"] = str(work / f"want{k}.hex")
            (work / "spec.json").write_text(json.dumps(spec))
            failure = None
            try:
                verilator.run_test(TESTBENCH, self.top, self.build_dir, work,
                                   {"HWQ_AXIS_SPEC": str(work / "spec.json")})
            except verilator.SimulationError as e:
                failure = e
            texts = [(work / f"out{k}.hex").read_text() if (work / f"out{k}.hex").is_file() else ""
                     for k in range(len(self.axis_outputs))]
            report = json.loads((work / "report.json").read_text()) if (work / "report.json").is_file() else None
        if failure is not None:
            raise failure
        self.last_run = _timing(report, batch, stall, gaps)
        return [_images(p, text, batch, v.type.signed)
                for p, text, v in zip(self.axis_outputs, texts, self.graph.output_values, strict=True)]

    def waveform(self, ports: list[np.ndarray], path: str | Path) -> Path:
        """Run these images through a traced build of the AXI4-Stream harness (built once, in harness_trace/) and
        write their waveform, every signal of the design clock by clock, as VCD to `path`."""
        harness = self.harness()
        driver = stream_driver(self.top, harness.inputs, harness.outputs)
        library = harness_library(self.sim_sources, self.top, self.path / "harness_trace", driver, trace=True)
        traced = StreamHarness(library, harness.inputs, harness.outputs)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        transfers, max_clocks = self._transfers(ports, traced)
        traced.run_traced(transfers, len(ports[0]), max_clocks, path)
        return path

    def _transfers(self, ports: list[np.ndarray], harness: StreamHarness) -> tuple[list[np.ndarray], int]:
        """Each input port's images as packed transfers, and the clocks within which the outputs must come."""
        batch = len(ports[0])
        plan = self.schedule()
        transfers = []
        for p, w, m in zip(self.axis_inputs, harness.inputs, ports, strict=True):
            beats = np.asarray(m).reshape(batch * p.transfers, -1)
            transfers.append(pack_words(beats, p.element_bits, w.words))
        return transfers, 4 * (batch + 2) * self._longest(plan) + 4 * plan.latency + 10_000

    def _longest(self, plan) -> int:
        """The clocks an image takes at the slowest of the design's stages and ports: the base of a time-out."""
        return max([plan.clocks_per_image, *(p.transfers for p in self.axis_inputs + self.axis_outputs)])

    def _run_stream_harness(self, ports: list[np.ndarray], threads: int) -> list[np.ndarray]:
        harness = self.harness()
        batch = len(ports[0])
        transfers, max_clocks = self._transfers(ports, harness)
        outs = harness.run(transfers, batch, max_clocks, threads)
        results = []
        for p, words, v in zip(self.axis_outputs, outs, self.graph.output_values, strict=True):
            elements = p.bits // p.element_bits
            _check_padding(p, words)
            results.append(unpack_words(words, elements, p.element_bits, v.type.signed).reshape(batch, -1))
        return results


def _check_padding(p: AxisPort, words: np.ndarray) -> None:
    """An output transfer's bits past its data (tdata's byte padding) must be zero."""
    total = words.shape[1] * 32
    if total == p.bits:
        return
    bits = np.unpackbits(np.ascontiguousarray(words).view(np.uint8), axis=1, bitorder="little")[:, p.bits:]
    bad = np.flatnonzero(bits.any(axis=1))
    if bad.size:
        image, transfer = divmod(int(bad[0]), p.transfers)
        raise verilator.SimulationError(f"{p.prefix}: image {image} transfer {transfer} has nonzero padding bits")


def _parallelism(path: Path) -> dict[str, int]:
    """The reduced parallelism of each node in a project's schedule.json (none when the file is missing)."""
    if not path.is_file():
        return {}
    return {n["node"]: n["parallelism"] for n in json.loads(path.read_text())["nodes"] if n.get("ii", 1) > 1}


def _frames(p: AxisPort, m: np.ndarray) -> str:
    """One image per line: its transfers' tdata, little-endian bytes, in hex."""
    m = np.asarray(m).reshape(len(m), p.transfers, -1)
    words = pack(m.reshape(len(m) * p.transfers, -1), p.element_bits)
    size = p.tdata_bits // 8
    lines = []
    for i in range(len(m)):
        lines.append(b"".join(w.to_bytes(size, "little") for w in words[i * p.transfers:(i + 1) * p.transfers]).hex())
    return "".join(line + "\n" for line in lines)


def _images(p: AxisPort, text: str, batch: int, signed: bool) -> np.ndarray:
    """The frames an output received -> mantissas (batch, size); a frame of the wrong length is a misplaced tlast."""
    size = p.tdata_bits // 8
    frames = [bytes.fromhex(line) for line in text.split()]
    if len(frames) != batch:
        raise verilator.SimulationError(f"{p.prefix}: {batch} images in, {len(frames)} frames out")
    words = []
    for i, f in enumerate(frames):
        if len(f) != size * p.transfers:
            raise verilator.SimulationError(f"{p.prefix}: image {i} came as a frame of {len(f) // size} transfers, "
                                            f"not {p.transfers} (tlast misplaced)")
        for t in range(p.transfers):
            w = int.from_bytes(f[t * size:(t + 1) * size], "little")
            if w >> p.bits:
                raise verilator.SimulationError(f"{p.prefix}: image {i} transfer {t} has nonzero padding bits")
            words.append(w)
    elements = p.bits // p.element_bits
    return unpack(words, elements, p.element_bits, signed).reshape(batch, p.transfers * elements)


def _timing(report: dict, images: int, stall: float, gaps: float) -> StreamRun:
    """Clocks from the testbench's frame times: a source's frame starts at the clock edge where it first drives
    tvalid (the transfer happens at the next edge), a sink's frame ends at the edge of its last transfer; so
    an image taking L clocks, its first transfer in clock 0 and its last in clock L - 1, ends L edges later."""
    first = min(f[0] for frames in report["inputs"] for f in frames[:1])
    ends = [[f[1] for f in frames] for frames in report["outputs"]]
    latency = max(e[0] for e in ends) - first
    steady = max((e[-1] - e[0]) / (len(e) - 1) for e in ends) if images > 1 else float(latency)
    return StreamRun(images, stall, gaps, max(e[-1] for e in ends) - first, latency, steady)


__all__ = ["StreamProject", "StreamRun"]
