"""Test vectors: input mantissas over the input range and the outputs hwq.sim computes for them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hwq.ir import Graph
from hwq.sim import simulate_mantissas


def make_vectors(graph: Graph, n: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n input vectors (the range's ends and zero first, then uniform mantissas) and their exact outputs."""
    t, size = graph.input.type, graph.input.size
    rng = np.random.default_rng(seed)
    edges = [np.full(size, v) for v in sorted({t.min_mantissa, t.max_mantissa, 0})]
    drawn = [rng.integers(t.min_mantissa, t.max_mantissa, size=size, endpoint=True) for _ in range(n)]
    m_in = np.array((edges + drawn)[:n], dtype=np.int64).reshape(n, size)
    return m_in, np.asarray(simulate_mantissas(graph, m_in)).reshape(n, -1)


def format_vectors(m: np.ndarray, what: str) -> str:
    """One sample per line, whitespace-separated integers, after a comment line."""
    rows = [" ".join(str(int(v)) for v in row) for row in np.asarray(m).reshape(len(m), -1)]
    return "\n".join([f"# {what}: {len(rows)} samples, one per line"] + rows) + "\n"


def read_vectors(path: str | Path) -> np.ndarray:
    """The integers of a vectors file, one row per sample."""
    rows = [[int(v) for v in line.split()] for line in Path(path).read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    return np.array(rows, dtype=np.int64)
