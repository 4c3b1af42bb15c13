"""What every backend does with port mantissas: check them, and the one test-vector policy.

Port data are integer mantissas, (batch, size) per graph input or output, elements in row-major
order of the value's shape. A project's test vectors come from test_vectors() whatever the backend.
"""

from __future__ import annotations

import numpy as np

from hwq.ir import Graph
from hwq.ir.graph import as_batch_list
from hwq.sim import input_mantissas, simulate_mantissas


def check_port_mantissas(graph: Graph, m_in) -> list[np.ndarray]:
    """Input mantissas as a list of (batch, size) arrays, one per graph input, refused when the shapes or
    batch sizes differ from the graph's or a mantissa lies outside its port's type."""
    arrays = [np.asarray(m) for m in as_batch_list(graph, m_in, "input mantissas")]
    ports = []
    batches = set()
    for v, m in zip(graph.inputs, arrays, strict=True):
        if m.dtype.kind not in "iuO":
            raise TypeError(f"input mantissas must be integers, got dtype {m.dtype}; use predict() for float inputs")
        if m.ndim < 1 or int(np.prod(m.shape[1:])) != v.size:
            raise ValueError(f"graph {graph.name!r} takes input mantissas of shape (batch, {v.size}) for {v.name!r} "
                             f"(a value of shape {v.shape}), got {m.shape}")
        m = m.reshape(len(m), v.size)
        t = v.type
        if m.size and (m.min() < t.min_mantissa or m.max() > t.max_mantissa):
            raise ValueError(f"input mantissas of {v.name!r} outside [{t.min_mantissa}, {t.max_mantissa}], "
                             f"the range of {t}, which the port cannot carry")
        batches.add(len(m))
        ports.append(m)
    if len(batches) > 1:
        raise ValueError(f"graph {graph.name!r}: the inputs have different batch sizes {sorted(batches)}")
    return ports


def test_vectors(graph: Graph, n: int = 256, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """n input vectors per input port and the outputs hwq.sim computes for them (mantissas, (n, size) each).

    Floats drawn over and a quarter past each input type's range, quantized by the input type itself
    (so the port's saturation or wrap-around is in the vectors); a third of the draws are exact
    half-lsb ties; the first rows are the range's ends, zero and values past both ends.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    rng = np.random.default_rng(seed)
    xs = []
    for v in graph.inputs:
        t = v.type
        lo, hi, lsb = float(t.min_value), float(t.max_value), float(t.lsb)
        reach = (hi - lo) * 0.25 + lsb
        x = rng.uniform(lo - reach, hi + reach, size=(n, v.size))
        ties = (rng.integers(t.min_mantissa, t.max_mantissa + 1, size=x.shape) + 0.5) * lsb
        x = np.where(rng.random(x.shape) < 1 / 3, ties, x)
        for row, value in enumerate((lo, hi, 0.0, lo - reach, hi + reach)[:n]):
            x[row] = value
        xs.append(x)
    m_in = input_mantissas(graph, xs)
    m_in = m_in if isinstance(m_in, list) else [m_in]
    m_out = simulate_mantissas(graph, m_in)
    return m_in, m_out if isinstance(m_out, list) else [m_out]


test_vectors.__test__ = False  # a library function, not a pytest test
