"""HLSProject: a generated HLS C++ project, compiled with g++ into a batched, bit-exact C simulation."""

from __future__ import annotations

import ctypes
import json
import subprocess
from pathlib import Path

import numpy as np

from hwq.backends.hls.compiler import build_library
from hwq.backends.hls.flavour import Flavour, get_flavour
from hwq.backends.hls.vector_files import concatenated
from hwq.backends.project import Project
from hwq.backends.vectors import check_port_mantissas
from hwq.ir import Graph

PROJECT_FILE = "project.json"
_MAX_CALL = 1 << 30  # samples per call: the bridge counts in int


class HLSProject(Project):
    """Vitis (ap_fixed) or Catapult (ac_fixed) C++ for one graph, with its C-sim library and testbench."""

    def __init__(self, graph: Graph, path: str | Path, flavour: str | Flavour, top: str, io: str = "parallel"):
        super().__init__(graph, path)
        self.flavour = get_flavour(flavour)
        self.backend = self.flavour.name
        self.top = top
        self.io = io  # "parallel" or "stream": the same bridge either way (a stream design is fed pixel by pixel)
        self.library: Path | None = None
        self._lib: ctypes.CDLL | None = None

    @classmethod
    def open(cls, path: str | Path) -> HLSProject:
        """A project emitted earlier, read back from its folder."""
        path = Path(path)
        meta = json.loads((path / PROJECT_FILE).read_text())
        return cls(Graph.from_json(path / "graph.json"), path, meta["flavour"], meta["top"], meta.get("io", "parallel"))

    def compile(self, include_dir: str | Path | None = None, extra_flags: tuple[str, ...] = ()) -> HLSProject:
        """Build and load the C simulation library (g++ -O2 -std=c++17 -shared); skipped when up to date."""
        inc = Path(include_dir) if include_dir is not None else self.flavour.include_dir()
        self.library = build_library(self.path / "csim" / "bridge.cpp", inc, self.path / "build", self.top,
                                     tuple(extra_flags))
        lib = ctypes.CDLL(str(self.library))
        p64 = ctypes.POINTER(ctypes.c_int64)
        lib.hwq_predict_threads.argtypes = [p64, p64, ctypes.c_int, ctypes.c_int]
        lib.hwq_predict_threads.restype = ctypes.c_int
        n_in, n_out = lib.hwq_n_in(), lib.hwq_n_out()
        want = (sum(v.size for v in self.graph.inputs), sum(v.size for v in self.graph.output_values))
        if (n_in, n_out) != want:
            raise RuntimeError(f"{self.library} has ports of {n_in} -> {n_out} mantissas, the graph "
                               f"{want[0]} -> {want[1]}")
        self._lib = lib
        return self

    def stored_vectors(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The test vectors the project was emitted with (tb/): input and expected output mantissas per port."""
        from hwq.backends.hls.vector_files import read_vectors

        def split(rows: np.ndarray, values) -> list[np.ndarray]:
            cuts = np.cumsum([v.size for v in values])[:-1]
            return np.split(rows.reshape(len(rows), -1), cuts, axis=1)

        return (split(read_vectors(self.path / "tb" / "input_mantissas.txt"), self.graph.inputs),
                split(read_vectors(self.path / "tb" / "output_mantissas.txt"), self.graph.output_values))

    def predict_mantissas(self, m_in, threads: int = 0):
        """Input-port mantissas (batch, size) -> output mantissas (batch, size), int64; lists for several ports.

        One C call per batch; threads=0 uses one thread per core.
        """
        outs = self.run_ports(check_port_mantissas(self.graph, m_in), threads)
        return outs[0] if len(outs) == 1 else outs

    def run_ports(self, ports: list[np.ndarray], threads: int = 0) -> list[np.ndarray]:
        """Checked (batch, size) mantissas per input -> (batch, size) int64 per output, through the bridge's
        concatenated rows (every port's elements side by side, in graph order)."""
        if self._lib is None:
            self.compile()
        rows = concatenated(ports)
        out = np.empty((len(rows), sum(v.size for v in self.graph.output_values)), dtype=np.int64)
        p64 = ctypes.POINTER(ctypes.c_int64)
        for start in range(0, len(rows), _MAX_CALL):
            part_in, part_out = rows[start:start + _MAX_CALL], out[start:start + _MAX_CALL]
            self._lib.hwq_predict_threads(part_in.ctypes.data_as(p64), part_out.ctypes.data_as(p64),
                                          len(part_in), int(threads))
        cuts = np.cumsum([v.size for v in self.graph.output_values])[:-1]
        return np.split(out, cuts, axis=1)

    def run_testbench(self) -> str:
        """Run the project's own check (run_check.sh: g++ and the test vectors, no Python); return its output."""
        proc = subprocess.run(["sh", str(self.path / "run_check.sh")], capture_output=True, text=True)
        output = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0:
            raise RuntimeError(f"testbench of {self.path} failed ({proc.returncode}):\n{output}")
        return output
