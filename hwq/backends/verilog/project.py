"""VerilogProject: a generated Verilog design, compiled with Verilator and run through cocotb."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from hwq.backends.project import Project
from hwq.backends.verilog import verilator
from hwq.backends.verilog.vectors import hex_lines, pack_ports, read_hex, unpack_ports
from hwq.ir import Graph

TESTBENCH = "hwq_stream"  # the cocotb module in sim/
CONTROL_PORTS = ("clk", "rst", "in_valid", "out_valid")
PIPELINE_FILE = "pipeline.json"  # a pipelined top's stages (hwq.passes.stages); absent: latency 1


class VerilogProject(Project):
    """rtl/ (one module per node, hwq_round, hwq_saturate, the top), tb/ with test vectors, a Makefile.

    compile() builds the Verilator model into sim_build/; run_ports() streams vectors through it with
    cocotb, one per clock, every input port at once. `latency`: clocks from in_valid to out_valid.
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

    def compile(self) -> VerilogProject:
        """Build the Verilator model once; a rebuild happens only when the RTL changed."""
        stamp = self.build_dir / "hwq-sources.sha256"
        digest = self._sources_digest()
        if (self.build_dir / self.top).is_file() and stamp.is_file() and stamp.read_text() == digest:
            return self
        if self.build_dir.exists():
            shutil.rmtree(self.build_dir)
        verilator.build(self.sources, self.top, self.build_dir, ports=self.public_ports)
        stamp.write_text(digest)
        return self

    def run_ports(self, ports: list[np.ndarray], gaps: float = 0.0, seed: int = 0) -> list[np.ndarray]:
        """Input-port mantissas (batch, size) per input -> output mantissas per output, streamed one per clock:
        every vector is one hex word of all input ports (port 0 in the low bits), its result one of all outputs.
        `gaps`: the share of clocks with in_valid low (random, from `seed`; other data on the ports meanwhile)."""
        outs = self.graph.output_values
        batch = len(ports[0])
        if batch == 0:
            return [np.zeros((0, v.size), dtype=np.int64) for v in outs]
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

    def _sources_digest(self) -> str:
        h = hashlib.sha256(repr((verilator.OPT_FLAGS, verilator.BUILD_ARGS)).encode())
        for s in self.sources:
            h.update(s.name.encode() + b"\0" + s.read_bytes())
        return h.hexdigest()
