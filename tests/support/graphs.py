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


def named_graph(graph: str, input_name: str, names: list[tuple[str, str]]) -> Graph:
    """dense -> relu -> quantize -> dense -> quantize over fixed weights (seed 11), named as given:
    `names` holds (node name, output name) for the five nodes, for testing names a backend must make legal."""
    rng = np.random.default_rng(11)
    x = Value(input_name, (3,), FixedType(6, 2, True, "RND", "SAT"))
    w = FixedType(5, 1, True)
    k1 = IntTensor(rng.integers(-16, 16, size=(3, 4)), w)
    k2 = IntTensor(rng.integers(-16, 16, size=(4, 2)), w)
    (d1, v1), (r, v2), (q1, v3), (d2, v4), (q2, v5) = names
    nodes = [dense_node(d1, x, k1, IntTensor(rng.integers(-16, 16, size=4), w), v1)]
    nodes.append(relu_node(r, nodes[-1].output, v2))
    nodes.append(quantize_node(q1, nodes[-1].output, FixedType(4, 2, False, "RND_CONV", "SAT"), v3))
    nodes.append(dense_node(d2, nodes[-1].output, k2, None, v4))
    nodes.append(quantize_node(q2, nodes[-1].output, FixedType(8, 3, True, "RND_INF", "SAT_SYM"), v5))
    return Graph(graph, [x], nodes, [v5]).validate()
