"""simulate(): the bit-exact Python model of an IR graph, the reference every backend must equal.

Each node is evaluated by its op (hwq.ir.op), on mantissa arrays laid out (*shape, batch) in the
fastest exact carrier of their type.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from hwq.fixed import quantize, to_float
from hwq.ir import get_op
from hwq.ir.graph import as_batch_list
from hwq.ir.op import carrier
from hwq.sim.memory import keep_freed_memory

if TYPE_CHECKING:
    from hwq.ir import Graph

# one array for a one-input graph; a list (graph.inputs order) or a {name: array} dict for several
Batch = np.ndarray | list[np.ndarray] | tuple[np.ndarray, ...] | dict[str, np.ndarray]
CHUNK = 65536  # samples per pass at most: large enough for BLAS to shine
CHUNK_ELEMENTS = 1 << 20  # ... and at most this many elements in the graph's largest value, so that a chunk's
# values stay near a core's cache (measured on the jet tagger: 2**19 and 2**20 ran 1.4x faster than 2**22)


def simulate(graph: Graph, x: Batch) -> np.ndarray | list[np.ndarray]:
    """Float inputs (batch, *input shape) -> float64 output values (batch, *output shape), as the hardware computes.

    A graph with several inputs takes a list (or a {name: array} dict); with several outputs it returns a list.
    """
    graph.validate()
    keep_freed_memory()
    xs = [np.asarray(a) for a in as_batch_list(graph, x)]  # quantize() reads float32, float64 or any numbers
    batch = _batch_size(graph, xs)
    flat = [_flat(graph, v, a, batch) for v, a in zip(graph.inputs, xs, strict=True)]
    outs = _chunked(graph, flat, batch)
    values = [to_float(m, v.type).reshape((batch, *v.shape)) for m, v in zip(outs, graph.output_values, strict=True)]
    return values[0] if len(values) == 1 else values


def simulate_mantissas(graph: Graph, m_in: Batch) -> np.ndarray | list[np.ndarray]:
    """Input-port mantissas (batch, size) per input -> output mantissas (batch, size) per output, int64 or object.

    Like simulate(), a list for several inputs or outputs.
    """
    graph.validate()
    keep_freed_memory()
    ms = [np.asarray(m) for m in as_batch_list(graph, m_in, "input mantissas")]
    batch = _batch_size(graph, ms)
    parts = []
    for v, m in zip(graph.inputs, ms, strict=True):
        m = _flat(graph, v, m, batch)
        parts.append((m.astype(carrier(v.type)) if m.dtype != object else m).T.reshape((*v.shape, batch)))
    outs = [o.reshape(-1, batch).T for o in run_graph(graph, parts)]
    outs = [o.astype(np.int64) if o.dtype.kind == "f" else o for o in outs]
    return outs[0] if len(outs) == 1 else outs


def input_mantissas(graph: Graph, x: Batch) -> np.ndarray | list[np.ndarray]:
    """Float inputs -> the mantissas each input port carries (its type's rounding and overflow), (batch, size)."""
    xs = [np.asarray(a, dtype=np.float64) for a in as_batch_list(graph, x)]
    batch = _batch_size(graph, xs)
    out = []
    for v, a in zip(graph.inputs, xs, strict=True):
        out.append(quantize(_flat(graph, v, a, batch), v.type))
    return out[0] if len(out) == 1 else out


def _chunked(graph, flat: list[np.ndarray], batch: int) -> list[np.ndarray]:
    """Output mantissas (size, batch) per output, chunk by chunk, chunks spread over threads: numpy's
    element-wise kernels run on one core and release the GIL, so two chunks in flight keep a second core busy."""

    workers = os.cpu_count() or 1
    chunk = balanced_chunk(batch, chunk_size(graph), workers)

    def run(start: int) -> list[np.ndarray]:
        parts = []
        for v, a in zip(graph.inputs, flat, strict=True):
            part = a[start:start + chunk]
            # quantized where the rows are contiguous, then seen transposed: no strided conversion, and the
            # (size, batch) view is the layout a dense node's BLAS call reads fastest
            m = quantize(part, v.type, dtype=carrier(v.type)).T
            parts.append(m.reshape((*v.shape, len(part))))
        return [o.reshape(-1, o.shape[-1]) for o in run_graph(graph, parts)]

    starts = range(0, batch, chunk)
    if not starts:
        return [np.zeros((0, v.size)) for v in graph.output_values]
    workers = min(workers, len(starts))
    if workers == 1:
        chunks = [run(s) for s in starts]
    else:  # the chunks are the parallelism: BLAS threads on top of them only contend for the same cores
        with one_blas_thread():
            chunks = list(_pool(workers, os.getpid()).map(run, starts))
    return [np.concatenate([c[k] for c in chunks], axis=1).T for k in range(len(graph.outputs))]


def balanced_chunk(batch: int, limit: int, workers: int) -> int:
    """Samples per chunk: at most `limit`, in a number of chunks that the workers share evenly (100,000 samples
    at a limit of 16,384 on 2 cores: 8 chunks of 12,500, not 7 of which one worker runs 4)."""
    count = -(-batch // limit) if batch else 1
    count = -(-count // workers) * workers
    return max(1, -(-batch // count))


@functools.cache
def _pool(workers: int, pid: int) -> ThreadPoolExecutor:
    """The chunk workers, started once per process (idle threads cost nothing; starting them costs each call).
    Keyed by the process id too: a forked child (a sweep's worker) has none of its parent's threads."""
    return ThreadPoolExecutor(workers, thread_name_prefix="hwq-simulate")


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # finding the BLAS libraries takes a while: once per process


def one_blas_thread():
    """A context in which BLAS (numpy's matmul) runs on the calling thread alone."""
    return _blas_controller().limit(limits=1, user_api="blas")


def chunk_size(graph) -> int:
    """Samples per pass: CHUNK, or fewer when the largest value (an image's feature map) would be too big."""
    largest = max(v.size for v in graph.values().values())
    return max(1, min(CHUNK, CHUNK_ELEMENTS // largest))


def run_graph(graph, m_in: list[np.ndarray]) -> list[np.ndarray]:
    """Mantissas laid out (*shape, batch) through every node; the outputs in graph.outputs order. A value is
    dropped once its last reader has run, so a deep network holds few feature maps at a time."""
    env = {v.name: m for v, m in zip(graph.inputs, m_in, strict=True)}
    types = {v.name: v.type for v in graph.inputs}
    last_read = {name: k for k, node in enumerate(graph.nodes) for name in node.inputs}
    keep = set(graph.outputs)
    for k, node in enumerate(graph.nodes):
        xs = [env[name] for name in node.inputs]
        env[node.output.name] = get_op(node.op).evaluate(node, xs, [types[name] for name in node.inputs])
        types[node.output.name] = node.output.type
        for name in set(node.inputs):
            if last_read[name] == k and name not in keep:
                del env[name]
    return [env[name] for name in graph.outputs]


def _batch_size(graph, arrays: list[np.ndarray]) -> int:
    sizes = {len(a) if np.ndim(a) else 0 for a in arrays}
    if len(sizes) != 1:
        raise ValueError(f"graph {graph.name!r}: its inputs have different batch sizes {sorted(sizes)}")
    return sizes.pop()


def _flat(graph, v, a: np.ndarray, batch: int) -> np.ndarray:
    """(batch, v.size), or an error naming the shape the input should have."""
    if a.ndim >= 1 and int(np.prod(a.shape[1:])) == v.size:
        return a.reshape(batch, v.size)
    raise ValueError(f"graph {graph.name!r} takes inputs of shape (batch, {v.shape}) for {v.name!r}, "
                     f"got {a.shape[1:]} per sample")
