"""VerilogProject: a generated Verilog design, run on Verilator through the batched harness (the fast path) or
cocotb (the protocol testbench)."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from hwq.backends.project import Project
from hwq.backends.verilog import verilator
from hwq.backends.verilog.harness import Harness, harness_library, parallel_driver, port_words
from hwq.backends.verilog.render import SIM_MODELS
from hwq.backends.verilog.vectors import hex_lines, pack_ports, pack_words, read_hex, unpack_ports, unpack_words
from hwq.ir import Graph

TESTBENCH = "hwq_stream"  # the cocotb module in sim/
ENGINES = ("harness", "cocotb")
CONTROL_PORTS = ("clk", "rst", "in_valid", "out_valid")
PIPELINE_FILE = "pipeline.json"  # a pipelined top's stages (hwq.passes.stages); absent: latency 1


class VerilogProject(Project):
    """rtl/ (one module per node, hwq_round, hwq_saturate, the top), tb/ with test vectors, a Makefile.

    run_ports() streams vectors through the design one per clock, every input port at once: by default through
    the batched Verilator harness (harness_build/, hwq.backends.verilog.harness), or through cocotb (compile()
    builds its model into sim_build/), which also drives gaps in in_valid. `latency`: clocks from in_valid to
    out_valid.
    """

    backend = "verilog"

    def __init__(self, graph: Graph, path: Path, top: str, inputs: list[str] | None = None,
                 outputs: list[str] | None = None, latency: int = 1):
        """`inputs`/`outputs`: the top's data ports, one per graph input/output (default: from the graph);
        `latency`: its register stages."""
        super().__init__(graph, path)
        self.top = top
        self.latency = latency
        if inputs is None or outputs is None:
            from hwq.backends.verilog.design import top_names

            names = top_names(graph)
            inputs, outputs = names.inputs, names.outputs
        self.input_ports, self.output_ports = list(inputs), list(outputs)
        self._harness: Harness | None = None

    @classmethod
    def open(cls, path: str | Path) -> VerilogProject:
        """The project in an existing folder (from its graph.json; a streaming one has a schedule.json too, a
        pipelined one a pipeline.json)."""
        from hwq.backends.verilog.design import top_names

        graph = Graph.from_json(Path(path) / "graph.json")
        names = top_names(graph)
        if (Path(path) / "schedule.json").is_file():
            from hwq.backends.verilog.stream.project import StreamProject

            return StreamProject(graph, Path(path).resolve(), names.top)
        stages = Path(path) / PIPELINE_FILE
        latency = json.loads(stages.read_text())["latency"] if stages.is_file() else 1
        return cls(graph, Path(path).resolve(), names.top, names.inputs, names.outputs, latency)

    @property
    def public_ports(self) -> list[str]:
        """The top's ports cocotb drives and reads."""
        return [*CONTROL_PORTS, *self.input_ports, *self.output_ports]

    @property
    def build_dir(self) -> Path:
        return self.path / "sim_build"

    @property
    def sources(self) -> list[Path]:
        return [self.path / line for line in (self.path / "rtl" / "files.f").read_text().split()]

    @property
    def sim_sources(self) -> list[Path]:
        """The sources a simulator reads: rtl/files.f's, and the models of the Xilinx cells hwq_add3 instantiates
        (sim/, which a synthesis tool must not read: it maps the cells themselves)."""
        models = self.path / SIM_MODELS
        return [*self.sources, *([models] if models.is_file() else [])]

    def compile(self) -> VerilogProject:
        """Build the Verilator model once; a rebuild happens only when the RTL changed."""
        stamp = self.build_dir / "hwq-sources.sha256"
        digest = self._sources_digest()
        if (self.build_dir / self.top).is_file() and stamp.is_file() and stamp.read_text() == digest:
            return self
        if self.build_dir.exists():
            shutil.rmtree(self.build_dir)
        verilator.build(self.sim_sources, self.top, self.build_dir, ports=self.public_ports)
        stamp.write_text(digest)
        return self

    def stored_vectors(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The test vectors the project was emitted with (tb/input.hex, tb/expected.hex): input and expected
        output mantissas per port."""
        def ports(values) -> list[tuple[int, int, bool]]:
            return [(v.size, v.type.width, v.type.signed) for v in values]

        return (unpack_ports(read_hex((self.path / "tb" / "input.hex").read_text()), ports(self.graph.inputs)),
                unpack_ports(read_hex((self.path / "tb" / "expected.hex").read_text()),
                             ports(self.graph.output_values)))

    @property
    def harness_dir(self) -> Path:
        return self.path / "harness_build"

    def harness(self) -> Harness:
        """The batched harness, built once (again only when the RTL changed) and loaded."""
        if self._harness is not None:
            return self._harness
        inputs = port_words([(p, v.size * v.type.width) for p, v in zip(self.input_ports, self.graph.inputs,
                                                                          strict=True)])
        outputs = port_words([(p, v.size * v.type.width) for p, v in zip(self.output_ports, self.graph.output_values,
                                                                           strict=True)])
        driver = parallel_driver(self.top, inputs, outputs, self.latency)
        self._harness = Harness(harness_library(self.sim_sources, self.top, self.harness_dir, driver), inputs, outputs)
        return self._harness

    def waveform(self, ports: list[np.ndarray], path: str | Path) -> Path:
        """Run these input-port mantissas through a traced build of the harness (built once, in harness_trace/)
        and write their waveform, every signal of the design clock by clock, as VCD to `path`."""
        harness = self.harness()
        driver = parallel_driver(self.top, harness.inputs, harness.outputs, self.latency)
        library = harness_library(self.sim_sources, self.top, self.path / "harness_trace", driver, trace=True)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        Harness(library, harness.inputs, harness.outputs).run_traced(self._rows(ports, harness), path)
        return path

    def run_ports(self, ports: list[np.ndarray], gaps: float = 0.0, seed: int = 0,
                  engine: str | None = None, threads: int = 0) -> list[np.ndarray]:
        """Input-port mantissas (batch, size) per input -> output mantissas per output, streamed one per clock.
        engine "harness" (the default without gaps): the batched Verilator driver, `threads` model instances (0:
        one per core); "cocotb": the cocotb testbench, every vector one hex word of all input ports (port 0 in the
        low bits), its result one of all outputs. `gaps` (cocotb): the share of clocks with in_valid low (random,
        from `seed`; other data on the ports meanwhile)."""
        engine = engine or ("cocotb" if gaps else "harness")
        if engine not in ENGINES:
            raise ValueError(f"engine={engine!r}: choose one of {', '.join(ENGINES)}")
        if engine == "harness" and gaps:
            raise ValueError("the harness drives a vector every clock: gaps need engine='cocotb'")
        outs = self.graph.output_values
        batch = len(ports[0])
        if batch == 0:
            return [np.zeros((0, v.size), dtype=np.int64) for v in outs]
        if engine == "harness":
            return self._run_harness(ports, threads)
        self.compile()
        in_bits = sum(v.size * v.type.width for v in self.graph.inputs)
        with tempfile.TemporaryDirectory(prefix="run-", dir=self.build_dir) as tmp:
            work = Path(tmp)
            (work / "in.hex").write_text(hex_lines(pack_ports(ports, [v.type.width for v in self.graph.inputs]),
                                                   in_bits))
            verilator.run_test(TESTBENCH, self.top, self.build_dir, work,
                               {"HWQ_STREAM_IN": str(work / "in.hex"), "HWQ_STREAM_OUT": str(work / "out.hex"),
                                "HWQ_STREAM_INPUTS": ",".join(self.input_ports),
                                "HWQ_STREAM_OUTPUTS": ",".join(self.output_ports),
                                "HWQ_STREAM_LATENCY": str(self.latency), "HWQ_STREAM_GAPS": f"{gaps:g}",
                                "HWQ_STREAM_SEED": str(seed), "HWQ_STREAM_CLOCKS": str(work / "clocks.txt")})
            words = read_hex((work / "out.hex").read_text())
            clocks = {int(c) for c in (work / "clocks.txt").read_text().split()}
        if len(words) != batch:
            raise verilator.SimulationError(f"{batch} vectors in, {len(words)} results out")
        if clocks != {self.latency}:  # every result exactly `latency` clocks after its input
            raise verilator.SimulationError(f"results came {sorted(clocks)} clocks after their inputs; the design's "
                                            f"latency is {self.latency}")
        return unpack_ports(words, [(v.size, v.type.width, v.type.signed) for v in outs])

    def _rows(self, ports: list[np.ndarray], harness: Harness) -> np.ndarray:
        """Input-port mantissas as the harness's rows of packed words, port after port."""
        return np.concatenate([pack_words(m, v.type.width, p.words) for m, v, p in
                               zip(ports, self.graph.inputs, harness.inputs, strict=True)], axis=1)

    def _run_harness(self, ports: list[np.ndarray], threads: int) -> list[np.ndarray]:
        harness = self.harness()
        out = harness.run(self._rows(ports, harness), threads)
        return [unpack_words(out[:, p.offset:p.offset + p.words], v.size, v.type.width, v.type.signed)
                for v, p in zip(self.graph.output_values, harness.outputs, strict=True)]

    def _sources_digest(self) -> str:
        h = hashlib.sha256(repr((verilator.OPT_FLAGS, verilator.BUILD_ARGS)).encode())
        for s in self.sim_sources:
            h.update(s.name.encode() + b"\0" + s.read_bytes())
        return h.hexdigest()
