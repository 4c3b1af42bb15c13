"""Constructors for well-formed nodes: the frontend and tests build graphs with these.

make_node asks the op for its output's shape and type (hwq.ir.op) and writes its annotations; the
helpers below name the arguments of the common ops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hwq.fixed import FixedType
from hwq.ir.node import Node
from hwq.ir.op import IRError, get_op
from hwq.ir.ops.kernel import multiplier_kind
from hwq.ir.ops.table import (  # noqa: F401 (frontend API)
    MAX_TABLE_ENTRIES,
    MAX_TABLE_INPUT_BITS,
    compress_table,
    table_inputs,
)
from hwq.ir.tensor import IntTensor
from hwq.ir.value import Value


def make_node(op: str, name: str, inputs: Sequence[Value], out_name: str, attrs: dict[str, Any] | None = None,
              params: dict[str, IntTensor] | None = None, out_type: FixedType | None = None) -> Node:
    """A node of `op` reading `inputs`; its output's type is `out_type` or, when None, the op's own."""
    spec = get_op(op)
    node = Node(name, op, [v.name for v in inputs], Value(out_name, (), FixedType(1, 0)), dict(attrs or {}),
                dict(params or {}))
    for a in spec.attrs:
        if a not in node.attrs:
            raise IRError(f"node {name!r} ({op}) needs attribute {a!r}")
    shape = spec.infer_shape(node, list(inputs))
    t = out_type if out_type is not None else spec.infer_type(node, list(inputs))
    if t is None:
        raise IRError(f"node {name!r} ({op}): give its output type (out_type=...)")
    node.output = Value(out_name, tuple(shape), t)
    spec.annotate(node, list(inputs))
    return node


def dense_node(name: str, x: Value, kernel: IntTensor, bias: IntTensor | None, out_name: str,
               multiplier: str | None = None) -> Node:
    """`multiplier`: the unit the weights' quantizer implies (qtools' names); by default read from the weights."""
    params = {"kernel": kernel} | ({"bias": bias} if bias is not None else {})
    attrs = {"multiplier": multiplier or multiplier_kind(kernel)}
    return make_node("dense", name, [x], out_name, attrs, params)


def quantize_node(name: str, x: Value, target: FixedType, out_name: str) -> Node:
    return make_node("quantize", name, [x], out_name, out_type=target)


def relu_node(name: str, x: Value, out_name: str) -> Node:
    return make_node("relu", name, [x], out_name)


def table_node(name: str, x: Value, outputs: IntTensor, out_name: str) -> Node:
    """An exact lookup table, elementwise: `outputs` holds the output mantissa for every input mantissa of
    x.type, in order (build it over table_inputs(x.type)); the node stores it compressed (hwq.ir.ops.table)."""
    t = compress_table(name, x.type, outputs)
    return make_node("table", name, [x], out_name, t.attrs(), {"table": t.table})


def add_node(name: str, xs: Sequence[Value], out_name: str) -> Node:
    return make_node("add", name, xs, out_name)


def subtract_node(name: str, a: Value, b: Value, out_name: str) -> Node:
    return make_node("subtract", name, [a, b], out_name)


def multiply_node(name: str, xs: Sequence[Value], out_name: str) -> Node:
    return make_node("multiply", name, xs, out_name)


def concatenate_node(name: str, xs: Sequence[Value], axis: int, out_name: str) -> Node:
    return make_node("concatenate", name, xs, out_name, {"axis": axis})


def reshape_node(name: str, x: Value, shape: Sequence[int], out_name: str) -> Node:
    return make_node("reshape", name, [x], out_name, {"shape": [int(d) for d in shape]})


def transpose_node(name: str, x: Value, perm: Sequence[int], out_name: str) -> Node:
    return make_node("transpose", name, [x], out_name, {"perm": [int(a) for a in perm]})


def scale_node(name: str, x: Value, exponent: int, out_name: str) -> Node:
    return make_node("scale", name, [x], out_name, {"exponent": int(exponent)})
