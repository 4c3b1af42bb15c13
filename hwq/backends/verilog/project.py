"""VerilogProject: a generated Verilog design, compiled with Verilator and run through cocotb."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import numpy as np

from hwq.backends.project import Project
from hwq.backends.verilog import verilator
from hwq.backends.verilog.vectors import pack_hex, read_hex, unpack
from hwq.ir import Graph

TESTBENCH = "hwq_stream"  # the cocotb module in sim/


class VerilogProject(Project):
    """rtl/ (one module per node, hwq_round, hwq_saturate, the top), tb/ with test vectors, a Makefile.

    compile() builds the Verilator model into sim_build/; predict_mantissas() streams vectors
    through it with cocotb, one per clock.
    """

    backend = "verilog"

    def __init__(self, graph: Graph, path: Path, top: str):
        super().__init__(graph, path)
        self.top = top

    @classmethod
    def open(cls, path: str | Path) -> VerilogProject:
        """The project in an existing folder (from its graph.json)."""
        from hwq.backends.verilog.design import design

        graph = Graph.from_json(Path(path) / "graph.json")
        return cls(graph, Path(path).resolve(), design(graph).top)

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
        verilator.build(self.sources, self.top, self.build_dir)
        stamp.write_text(digest)
        return self

    def predict_mantissas(self, m_in: np.ndarray) -> np.ndarray:
        """Input-port mantissas (batch, n_in) -> output mantissas (batch, n_out), streamed one per clock."""
        inp, out = self.graph.input, self.graph.output
        m = np.asarray(m_in)
        m = m.reshape(len(m), -1) if m.ndim else m
        if m.ndim != 2 or m.shape[1] != inp.size:
            raise ValueError(f"{self.top} takes input mantissas of shape (batch, {inp.size}), got {np.shape(m_in)}")
        if m.size and (m.min() < inp.type.min_mantissa or m.max() > inp.type.max_mantissa):
            raise ValueError(f"input mantissas outside the range of {inp.type}, which in_data cannot carry")
        if len(m) == 0:
            return np.zeros((0, out.size), dtype=np.int64)
        self.compile()
        with tempfile.TemporaryDirectory(prefix="run-", dir=self.build_dir) as tmp:
            work = Path(tmp)
            (work / "in.hex").write_text(pack_hex(m, inp.type.width))
            verilator.run_test(TESTBENCH, self.top, self.build_dir, work,
                               {"HWQ_STREAM_IN": str(work / "in.hex"), "HWQ_STREAM_OUT": str(work / "out.hex")})
            words = read_hex((work / "out.hex").read_text())
        if len(words) != len(m):
            raise verilator.SimulationError(f"{len(m)} vectors in, {len(words)} results out")
        return unpack(words, out.size, out.type.width, out.type.signed)

    def _sources_digest(self) -> str:
        h = hashlib.sha256(repr((verilator.OPT_FLAGS, verilator.BUILD_ARGS)).encode())
        for s in self.sources:
            h.update(s.name.encode() + b"\0" + s.read_bytes())
        return h.hexdigest()
