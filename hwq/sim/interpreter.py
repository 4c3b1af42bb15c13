"""simulate(): the bit-exact Python model of an IR graph, the reference every backend must equal."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from hwq.fixed import quantize, to_float
from hwq.sim.kernels import KERNELS, value_carrier

CHUNK = 65536  # samples per pass: large enough for BLAS to shine, small enough to bound memory


def simulate(graph, x: np.ndarray) -> np.ndarray:
    """Float inputs (batch, *input shape) -> float64 output values, exactly as the hardware computes."""
    x = np.asarray(x, dtype=np.float64)
    mantissas = np.concatenate(_chunks(graph, x)) if len(x) else np.zeros((0,))
    return to_float(mantissas, graph.output.type).reshape((len(x), *graph.output.shape))


def simulate_mantissas(graph, m_in: np.ndarray) -> np.ndarray:
    """Input mantissas -> output mantissas (int64 or object), for comparing with backends."""
    inp = graph.input
    m = np.asarray(m_in).reshape(len(m_in), -1)
    out = _run(graph, (m.astype(value_carrier(inp.type)) if m.dtype != object else m).T).T
    return out.astype(np.int64) if out.dtype.kind == "f" else out


def input_mantissas(graph, x: np.ndarray) -> np.ndarray:
    """Float inputs -> the mantissas the input port carries (the input type's rounding and overflow)."""
    inp = graph.input
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    _check_shape(graph, x)
    return quantize(x, inp.type)


def _chunks(graph, x: np.ndarray) -> list[np.ndarray]:
    """Output mantissas chunk by chunk, chunks spread over threads: numpy's element-wise kernels run on
    one core and release the GIL, so two chunks in flight keep a second core busy."""
    inp = graph.input
    flat = x.reshape(len(x), -1)
    _check_shape(graph, flat)

    def run(start: int) -> np.ndarray:
        part = quantize(flat[start:start + CHUNK].T, inp.type, dtype=value_carrier(inp.type))
        return _run(graph, part).T

    starts = range(0, len(flat), CHUNK)
    workers = min(os.cpu_count() or 1, len(starts))
    if workers == 1:
        return [run(s) for s in starts]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, starts))


def _run(graph, m_in: np.ndarray) -> np.ndarray:
    """Mantissas laid out (features, batch) through every node."""
    env = {graph.input.name: m_in}
    types = {graph.input.name: graph.input.type}
    for node in graph.nodes:
        (src,) = node.inputs
        env[node.output.name] = KERNELS[node.op](node, env[src], types[src])
        types[node.output.name] = node.output.type
    return env[graph.output.name]


def _check_shape(graph, flat: np.ndarray) -> None:
    want = graph.input.size
    if flat.ndim != 2 or flat.shape[1] != want:
        raise ValueError(f"graph {graph.name!r} takes inputs of shape (batch, {graph.input.shape}), "
                         f"got {flat.shape[1:]} per sample")
