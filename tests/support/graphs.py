"""Random IR graphs built directly (no Keras), for testing the simulator and backends."""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType
from hwq.ir import Graph, IntTensor, Value
from hwq.ir.build import dense_node, quantize_node, relu_node

ROUNDINGS = ["TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV"]
OVERFLOWS = ["WRAP", "SAT", "SAT_ZERO", "SAT_SYM"]


def random_type(rng: np.random.Generator, lo_bits: int = 2, hi_bits: int = 16, modes: bool = True) -> FixedType:
    width = int(rng.integers(lo_bits, hi_bits + 1))
    signed = bool(rng.integers(0, 2))
    integer = int(rng.integers(-2, width + 3))
    if not modes:
        return FixedType(width, integer, signed)
    return FixedType(width, integer, signed, ROUNDINGS[rng.integers(len(ROUNDINGS))],
                     OVERFLOWS[rng.integers(len(OVERFLOWS))])


def random_tensor(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType) -> IntTensor:
    return IntTensor(rng.integers(t.min_mantissa, t.max_mantissa + 1, size=shape, dtype=np.int64), t)


def random_mlp(rng: np.random.Generator, n_in: int | None = None, depth: int | None = None,
               max_units: int = 12, max_bits: int = 16, relu: bool = True) -> Graph:
    """An MLP of dense -> [relu] -> quantize blocks with random widths, signs and modes."""
    n_in = n_in or int(rng.integers(1, max_units + 1))
    depth = depth or int(rng.integers(1, 4))
    x = Value("x", (n_in,), random_type(rng, hi_bits=max_bits))
    nodes, cur = [], x
    for k in range(depth):
        units = int(rng.integers(1, max_units + 1))
        kernel = random_tensor(rng, (cur.shape[0], units), random_type(rng, hi_bits=max_bits, modes=False))
        bias = random_tensor(rng, (units,), random_type(rng, hi_bits=max_bits, modes=False)) \
            if rng.integers(0, 2) else None
        nodes.append(dense_node(f"dense_{k}", cur, kernel, bias, f"dense_{k}_out"))
        cur = nodes[-1].output
        if relu and rng.integers(0, 2):
            nodes.append(relu_node(f"relu_{k}", cur, f"relu_{k}_out"))
            cur = nodes[-1].output
        nodes.append(quantize_node(f"q_{k}", cur, random_type(rng, hi_bits=max_bits), f"q_{k}_out"))
        cur = nodes[-1].output
    return Graph("random_mlp", [x], nodes, [cur.name]).validate()


def inputs_over_range(rng: np.random.Generator, graph: Graph, n: int, past: float = 1.5) -> np.ndarray:
    """Float inputs drawn past the input type's range (saturation and wrap exercised), float32-exact."""
    t = graph.input.type
    lo, hi = float(t.min_value), float(t.max_value)
    mid, half = (lo + hi) / 2, (hi - lo) / 2 * past + float(t.lsb)
    x = rng.uniform(mid - half, mid + half, size=(n, *graph.input.shape))
    # add exact ties (x.5 lsb) so rounding modes are told apart
    ties = rng.integers(t.min_mantissa * 2, t.max_mantissa * 2 + 2, size=x.shape) / 2 * float(t.lsb)
    x = np.where(rng.random(x.shape) < 0.3, ties, x)
    return x.astype(np.float32).astype(np.float64)
