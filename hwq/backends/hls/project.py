"""HLSProject: a generated HLS C++ project, compiled with g++ into a batched, bit-exact C simulation."""

from __future__ import annotations

import ctypes
import json
import subprocess
from pathlib import Path

import numpy as np

from hwq.backends.hls.compiler import build_library
from hwq.backends.hls.flavour import Flavour, get_flavour
from hwq.backends.project import Project
from hwq.ir import Graph

PROJECT_FILE = "project.json"
_MAX_CALL = 1 << 30  # samples per call: the bridge counts in int


class HLSProject(Project):
    """Vitis (ap_fixed) or Catapult (ac_fixed) C++ for one graph, with its C-sim library and testbench."""

    def __init__(self, graph: Graph, path: str | Path, flavour: str | Flavour, top: str):
        super().__init__(graph, path)
        self.flavour = get_flavour(flavour)
        self.backend = self.flavour.name
        self.top = top
        self.library: Path | None = None
        self._lib: ctypes.CDLL | None = None

    @classmethod
    def open(cls, path: str | Path) -> HLSProject:
        """A project emitted earlier, read back from its folder."""
        path = Path(path)
        meta = json.loads((path / PROJECT_FILE).read_text())
        return cls(Graph.from_json(path / "graph.json"), path, meta["flavour"], meta["top"])

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
        if (n_in, n_out) != (self.graph.input.size, self.graph.output.size):
            raise RuntimeError(f"{self.library} has ports {n_in} -> {n_out}, the graph "
                               f"{self.graph.input.size} -> {self.graph.output.size}")
        self._lib = lib
        return self

    def predict_mantissas(self, m_in: np.ndarray, threads: int = 0) -> np.ndarray:
        """Input-port mantissas (batch, n_in) -> output mantissas (batch, n_out), int64, one C call per batch.

        threads=0 uses one thread per core.
        """
        if self._lib is None:
            self.compile()
        m = _checked_inputs(m_in, self.graph)
        out = np.empty((len(m), self.graph.output.size), dtype=np.int64)
        p64 = ctypes.POINTER(ctypes.c_int64)
        for start in range(0, len(m), _MAX_CALL):
            part_in, part_out = m[start:start + _MAX_CALL], out[start:start + _MAX_CALL]
            self._lib.hwq_predict_threads(part_in.ctypes.data_as(p64), part_out.ctypes.data_as(p64),
                                          len(part_in), int(threads))
        return out

    def run_testbench(self) -> str:
        """Run the project's own check (run_check.sh: g++ and the test vectors, no Python); return its output."""
        proc = subprocess.run(["sh", str(self.path / "run_check.sh")], capture_output=True, text=True)
        output = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0:
            raise RuntimeError(f"testbench of {self.path} failed ({proc.returncode}):\n{output}")
        return output


def _checked_inputs(m_in: np.ndarray, graph: Graph) -> np.ndarray:
    """Mantissas as a C-contiguous int64 (batch, n_in) array, refused when outside the input type."""
    inp = graph.input
    m = np.asarray(m_in)
    if m.dtype.kind not in "iuO":
        raise TypeError(f"input mantissas must be integers, got dtype {m.dtype}; use predict() for float inputs")
    m = m.reshape(len(m), -1) if len(m) else m.reshape(0, inp.size)
    if m.shape[1] != inp.size:
        raise ValueError(f"graph {graph.name!r} takes {inp.size} input mantissas per sample, got {m.shape[1]}")
    t = inp.type
    if m.size and (m.min() < t.min_mantissa or m.max() > t.max_mantissa):
        raise ValueError(f"input mantissas outside [{t.min_mantissa}, {t.max_mantissa}], the range of {t}")
    return np.ascontiguousarray(m, dtype=np.int64)
