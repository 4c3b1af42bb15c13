"""Random instances of every IR op, for the conformance suite: random types, shapes and fan-in.

OP_CASES maps an op to a function (rng, prefix) -> (graph inputs, nodes): fresh input values and the
node(s) that exercise the op, the last node's output being the instance's result. Adding an op to the
suite is one entry here (and its reference in support/reference.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hwq.fixed import FixedType
from hwq.ir import Graph, IntTensor, Node, Value
from hwq.ir.build import make_node, table_inputs, table_node
from hwq.ir.ops.kernel import multiplier_kind
from support.graphs import random_tensor, random_type

MAX_BITS = 16


def _shape(rng: np.random.Generator, rank: int | None = None) -> tuple[int, ...]:
    rank = rank or int(rng.integers(1, 4))
    return tuple(int(d) for d in rng.integers(1, 5, size=rank))


def _input(rng, prefix: str, k: int, shape, max_bits: int = MAX_BITS) -> Value:
    return Value(f"{prefix}_x{k}", tuple(shape), random_type(rng, 1, max_bits))


def _widened(rng, node: Node, integer: bool = True, frac: bool = True) -> Node:
    """Now and then, an output type wider than the op needs (more integer and/or fraction bits, signed where
    it could be unsigned) with random rounding and overflow modes: the verifier allows it, and the modes of
    an exact op's output must not touch its result."""
    if rng.integers(0, 3):
        return node
    t = node.output.type
    extra_i = int(rng.integers(0, 4)) if integer else 0
    extra_f = int(rng.integers(0, 4)) if frac else 0
    signed = t.signed or (integer and bool(rng.integers(0, 2)))
    wide = random_type(rng, t.width + extra_i + extra_f, t.width + extra_i + extra_f)  # random modes, that width
    node.output.type = FixedType(wide.width + int(signed and not t.signed), t.integer + extra_i + int(signed and not
                                 t.signed), signed, wide.rounding, wide.overflow)
    if "accumulator" in node.attrs:
        node.attrs["accumulator"] = node.output.type
    return node


def _operands(rng, prefix: str, shape, lo: int, hi: int | None, max_bits: int = MAX_BITS) -> tuple[list, list]:
    """Random fan-in: between lo and hi operands, some of them the same input read twice."""
    n = int(rng.integers(lo, (hi or lo + 2) + 1))
    inputs = [_input(rng, prefix, k, shape, max_bits) for k in range(max(1, n - int(rng.integers(0, 2))))]
    operands = inputs + [inputs[int(rng.integers(len(inputs)))] for _ in range(n - len(inputs))]
    rng.shuffle(operands)
    return inputs, operands


def dense_case(rng, prefix):
    """Random weights (any modes: a constant's modes mean nothing), or now and then powers of two, which take
    the shift multipliers (barrel, mux, xor)."""
    shape = _shape(rng)
    x = _input(rng, prefix, 0, shape)
    n_out = int(rng.integers(1, 6))
    kernel = random_tensor(rng, (shape[-1], n_out), random_type(rng, 2, 12))
    if rng.integers(0, 3) == 0:
        exps = rng.integers(0, kernel.type.width - 1, size=kernel.shape)
        choices = ([-1, 0, 1] if rng.integers(0, 2) else [-1, 1]) if kernel.type.signed else [0, 1]
        signs = rng.choice(choices, size=kernel.shape)
        kernel = IntTensor(signs * (1 << exps), kernel.type)
    params = {"kernel": kernel}
    if rng.integers(0, 2):
        params["bias"] = random_tensor(rng, (n_out,), random_type(rng, 2, 12))
    node = make_node("dense", f"{prefix}_op", [x], f"{prefix}_y", {"multiplier": multiplier_kind(kernel)}, params)
    return [x], [_widened(rng, node)]


def quantize_case(rng, prefix):
    x = _input(rng, prefix, 0, _shape(rng))
    return [x], [make_node("quantize", f"{prefix}_op", [x], f"{prefix}_y", out_type=random_type(rng, 1, MAX_BITS))]


def relu_case(rng, prefix):
    x = _input(rng, prefix, 0, _shape(rng))
    return [x], [_widened(rng, make_node("relu", f"{prefix}_op", [x], f"{prefix}_y"), frac=False)]


def table_case(rng, prefix):
    x = Value(f"{prefix}_x0", _shape(rng), random_type(rng, 2, 10))
    m = table_inputs(x.type)
    out = random_type(rng, 1, 12, modes=False)
    k = int(rng.integers(0, x.type.width))  # a staircase of 2**k-input steps: compressible, yet not trivial
    values = np.repeat(rng.integers(out.min_mantissa, out.max_mantissa, size=len(m) >> k, endpoint=True), 1 << k)
    return [x], [table_node(f"{prefix}_op", x, IntTensor(values, out), f"{prefix}_y")]


def _merge_case(op: str, lo: int, hi: int | None, max_bits: int = MAX_BITS):
    def case(rng, prefix):
        inputs, operands = _operands(rng, prefix, _shape(rng), lo, hi, max_bits)
        return inputs, [_widened(rng, make_node(op, f"{prefix}_op", operands, f"{prefix}_y"))]

    return case


def concatenate_case(rng, prefix):
    rank = int(rng.integers(1, 4))
    axis = int(rng.integers(0, rank))
    base = _shape(rng, rank)
    n = int(rng.integers(1, 5))
    inputs = []
    for k in range(n):
        shape = list(base)
        shape[axis] = int(rng.integers(1, 4))
        inputs.append(_input(rng, prefix, k, shape))
    operands = inputs + ([inputs[0]] if rng.integers(0, 2) else [])
    return inputs, [_widened(rng, make_node("concatenate", f"{prefix}_op", operands, f"{prefix}_y", {"axis": axis}))]


def reshape_case(rng, prefix):
    x = _input(rng, prefix, 0, _shape(rng))
    dims = _factor(rng, x.size)
    return [x], [_widened(rng, make_node("reshape", f"{prefix}_op", [x], f"{prefix}_y", {"shape": dims}),
                          integer=False, frac=False)]


def _factor(rng, n: int) -> list[int]:
    """A random shape with n elements."""
    dims = []
    while n > 1 and len(dims) < 3:
        divisors = [d for d in range(2, n + 1) if n % d == 0]
        d = int(rng.choice(divisors))
        dims.append(d)
        n //= d
    return dims + ([n] if n > 1 else []) or [1]


def transpose_case(rng, prefix):
    x = _input(rng, prefix, 0, _shape(rng, int(rng.integers(2, 4))))
    perm = [int(a) for a in rng.permutation(len(x.shape))]
    return [x], [_widened(rng, make_node("transpose", f"{prefix}_op", [x], f"{prefix}_y", {"perm": perm}),
                          integer=False, frac=False)]


def scale_case(rng, prefix):
    x = _input(rng, prefix, 0, _shape(rng))
    node = make_node("scale", f"{prefix}_op", [x], f"{prefix}_y", {"exponent": int(rng.integers(-5, 6))})
    return [x], [_widened(rng, node, integer=False, frac=False)]


def _window_attrs(rng, rank: int, spatial: tuple[int, ...], size: tuple[int, ...], dilate: bool) -> dict:
    """Random strides, dilation (convolutions only) and padding that leave at least one output per axis."""
    strides = [int(rng.integers(1, 3)) for _ in range(rank)]
    dilation = [int(rng.integers(1, 3)) if dilate else 1 for _ in range(rank)]
    padding = []
    for n, k, d in zip(spatial, size, dilation, strict=True):
        reach = d * (k - 1) + 1
        lo = int(rng.integers(0, k))  # less than the window: a pool window always holds a real input
        hi = max(int(rng.integers(0, k)), reach - n - lo)
        padding.append([lo, hi])
    return {"strides": strides, "dilation": dilation, "padding": padding}


def conv_case(rng, prefix):
    """Rank 1 or 2, random strides, dilation and padding, grouped (depthwise with a multiplier) or not."""
    rank = int(rng.integers(1, 3))
    spatial = tuple(int(d) for d in rng.integers(2, 7, size=rank))
    groups = int(rng.choice([1, 1, 2, 3]))
    cin = groups * int(rng.integers(1, 3))
    cout = groups * int(rng.integers(1, 3))
    size = tuple(int(k) for k in rng.integers(1, 4, size=rank))
    x = Value(f"{prefix}_x0", (*spatial, cin), random_type(rng, 1, 10))
    kernel = random_tensor(rng, (*size, cin // groups, cout), random_type(rng, 2, 8))
    params = {"kernel": kernel}
    if rng.integers(0, 2):
        params["bias"] = random_tensor(rng, (cout,), random_type(rng, 2, 10))
    attrs = {**_window_attrs(rng, rank, spatial, size, dilate=True), "groups": groups,
             "multiplier": multiplier_kind(kernel)}
    return [x], [_widened(rng, make_node("conv", f"{prefix}_op", [x], f"{prefix}_y", attrs, params))]


def pool_case(rng, prefix):
    rank = int(rng.integers(1, 3))
    spatial = tuple(int(d) for d in rng.integers(2, 7, size=rank))
    size = tuple(int(k) for k in rng.integers(1, 4, size=rank))
    x = Value(f"{prefix}_x0", (*spatial, int(rng.integers(1, 4))), random_type(rng, 1, 12))
    attrs = {**_window_attrs(rng, rank, spatial, size, dilate=False), "mode": str(rng.choice(["max", "sum"])),
             "size": list(size)}
    del attrs["dilation"]
    node = make_node("pool", f"{prefix}_op", [x], f"{prefix}_y", attrs)
    return [x], [_widened(rng, node, integer=attrs["mode"] == "sum", frac=attrs["mode"] == "sum")]


def _movement_case(op: str, key: str, draw):
    def case(rng, prefix):
        x = _input(rng, prefix, 0, _shape(rng))
        node = make_node(op, f"{prefix}_op", [x], f"{prefix}_y", {key: draw(rng, x.shape)})
        return [x], [_widened(rng, node, integer=False, frac=False)]

    return case


def _pad_case(rng, prefix):
    """Zeros around each axis, and now and then between neighbours too (a transposed convolution's input)."""
    x = _input(rng, prefix, 0, _shape(rng))
    attrs = {"padding": _pad_amounts(rng, x.shape)}
    if rng.integers(0, 2):
        attrs["interior"] = [int(e) for e in rng.integers(0, 3, size=len(x.shape))]
    node = make_node("pad", f"{prefix}_op", [x], f"{prefix}_y", attrs)
    return [x], [_widened(rng, node, integer=False, frac=False)]


def _pad_amounts(rng, shape):
    return [[int(rng.integers(0, 3)), int(rng.integers(0, 3))] for _ in shape]


def _crop_amounts(rng, shape):
    out = []
    for n in shape:
        lo = int(rng.integers(0, n))
        out.append([lo, int(rng.integers(0, n - lo))])
    return out


def affine_case(rng, prefix):
    x = _input(rng, prefix, 0, _shape(rng))
    channels = x.shape[-1]
    kernel = random_tensor(rng, (channels,), random_type(rng, 2, 10))
    params = {"kernel": kernel}
    if rng.integers(0, 2):
        params["bias"] = random_tensor(rng, (channels,), random_type(rng, 2, 10))
    node = make_node("affine", f"{prefix}_op", [x], f"{prefix}_y", {"multiplier": multiplier_kind(kernel)}, params)
    return [x], [_widened(rng, node)]


def recurrence_case(rng, prefix):
    """A loop over a random sequence: one or two states, each next state a cast (random modes) of the row's dense
    plus the states' denses; random direction, outputs stacked or last, backward rows aligned or not."""
    features, units = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    steps = int(rng.integers(1, 7))
    x = Value(f"{prefix}_x0", (steps, features), random_type(rng, 2, 10))
    row = Value(f"{prefix}_row", (1, features), x.type)
    states = [Value(f"{prefix}_state{k}", (1, units), random_type(rng, 2, 10)) for k in range(int(rng.integers(1, 3)))]
    body_nodes, nexts = [], []

    def dense(name: str, v: Value) -> Value:
        kernel = random_tensor(rng, (v.shape[-1], units), random_type(rng, 2, 8))
        body_nodes.append(make_node("dense", f"{prefix}_{name}", [v], f"{prefix}_{name}_y",
                                    {"multiplier": multiplier_kind(kernel)}, {"kernel": kernel}))
        return body_nodes[-1].output

    for k, s in enumerate(states):
        terms = [dense(f"k{k}", row), *(dense(f"r{k}{j}", r) for j, r in enumerate(states) if j >= k)]
        total = make_node("add", f"{prefix}_sum{k}", terms, f"{prefix}_sum{k}_y") if len(terms) > 1 else None
        if total is not None:
            body_nodes.append(total)
        source = total.output if total is not None else terms[0]
        body_nodes.append(make_node("quantize", f"{prefix}_next{k}", [source], f"{prefix}_next{k}_y", out_type=s.type))
        nexts.append(body_nodes[-1].output.name)
    body = Graph(f"{prefix}_step", [row, *states], body_nodes, nexts)
    attrs = {"body": body, "go_backwards": bool(rng.integers(0, 2)), "return_sequences": bool(rng.integers(0, 2)),
             "time_aligned": bool(rng.integers(0, 2))}
    return [x], [make_node("recurrence", f"{prefix}_op", [x], f"{prefix}_y", attrs)]


OP_CASES: dict[str, Callable[[np.random.Generator, str], tuple[list[Value], list[Node]]]] = {
    "dense": dense_case,
    "quantize": quantize_case,
    "relu": relu_case,
    "table": table_case,
    "add": _merge_case("add", 2, 4),
    "subtract": _merge_case("subtract", 2, 2),
    "multiply": _merge_case("multiply", 2, 3, max_bits=12),  # products of up to 36 bits: int64 ports
    "concatenate": concatenate_case,
    "reshape": reshape_case,
    "transpose": transpose_case,
    "scale": scale_case,
    "conv": conv_case,
    "pool": pool_case,
    "pad": lambda rng, prefix: _pad_case(rng, prefix),
    "crop": _movement_case("crop", "cropping", _crop_amounts),
    "upsample": _movement_case("upsample", "size", lambda rng, shape: [int(k) for k in rng.integers(1, 4, len(shape))]),
    "affine": affine_case,
    "recurrence": recurrence_case,
}


def conformance_graph(seed: int, instances: int, ops: list[str] | None = None, name: str = "conformance") -> Graph:
    """One graph holding `instances` random instances of every op (or of `ops`), side by side: each instance
    has its own inputs and one output, so one build per backend checks them all."""
    rng = np.random.default_rng(seed)
    inputs, nodes, outputs = [], [], []
    for op in ops or list(OP_CASES):
        for k in range(instances):
            ins, ns = OP_CASES[op](rng, f"{op}{k}")
            inputs += ins
            nodes += ns
            outputs.append(ns[-1].output.name)
    return Graph(name, inputs, nodes, outputs).validate()


def port_mantissas(rng: np.random.Generator, graph: Graph, n: int) -> list[np.ndarray]:
    """n input rows per port: the range's ends and zero first, then uniform mantissas."""
    ports = []
    for v in graph.inputs:
        t = v.type
        ends = np.array([[x] * v.size for x in (t.min_mantissa, t.max_mantissa, 0)], dtype=np.int64)
        drawn = rng.integers(t.min_mantissa, t.max_mantissa, size=(n - 3, v.size), endpoint=True)
        ports.append(np.concatenate([ends, drawn]))
    return ports


def past_range_inputs(rng: np.random.Generator, graph: Graph, n: int) -> list[np.ndarray]:
    """Float inputs (batch, *shape) drawn past each input type's range, with exact ties."""
    xs = []
    for v in graph.inputs:
        t = v.type
        lo, hi = float(t.min_value), float(t.max_value)
        half = (hi - lo) * 0.75 + float(t.lsb)
        x = rng.uniform((lo + hi) / 2 - half, (lo + hi) / 2 + half, size=(n, *v.shape))
        ties = (rng.integers(t.min_mantissa, t.max_mantissa + 1, size=x.shape) + 0.5) * float(t.lsb)
        xs.append(np.where(rng.random(x.shape) < 0.3, ties, x))
    return xs

