"""Project: a generated design on disk that can be compiled and asked for predictions."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from hwq.fixed import to_float
from hwq.ir import Graph
from hwq.sim import input_mantissas


class Project:
    """Base class of every backend's project. Subclasses implement compile() and predict_mantissas()."""

    backend = "?"

    def __init__(self, graph: Graph, path: Path):
        self.graph = graph
        self.path = Path(path)

    def compile(self) -> Project:
        raise NotImplementedError

    def predict_mantissas(self, m_in: np.ndarray) -> np.ndarray:
        """Input-port mantissas (batch, n_in) -> output mantissas (batch, n_out), int64."""
        raise NotImplementedError

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Float inputs, quantized exactly as simulate() does, -> float64 output values."""
        x = np.asarray(x, dtype=np.float64)
        m_out = self.predict_mantissas(input_mantissas(self.graph, x))
        return to_float(m_out, self.graph.output.type).reshape((len(x), *self.graph.output.shape))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.backend} at {self.path}>"


def write_project(output_dir: str | Path, files: dict[str, str | bytes], overwrite: bool = False) -> Path:
    """Write all files of a project at once: into a scratch folder, then moved into place.

    A failure while rendering or writing leaves nothing behind; an existing folder is kept
    unless overwrite=True.
    """
    out = Path(output_dir).resolve()
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass overwrite=True (or --overwrite) to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, content in files.items():
            target = scratch / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
        if out.exists():
            shutil.rmtree(out)
        scratch.rename(out)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return out
