"""Constructors for well-formed nodes: the frontend and tests build graphs with these."""

from __future__ import annotations

from hwq.analysis import dense_accumulator, multiplier_kind
from hwq.fixed import FixedType
from hwq.ir.node import Node
from hwq.ir.table import MAX_TABLE_ENTRIES, MAX_TABLE_INPUT_BITS, compress_table, table_inputs  # noqa: F401 (frontend API)
from hwq.ir.tensor import IntTensor
from hwq.ir.value import Value


def dense_node(name: str, x: Value, kernel: IntTensor, bias: IntTensor | None, out_name: str,
               multiplier: str | None = None) -> Node:
    """`multiplier`: the unit the weights' quantizer implies (qtools' names); by default read from the weights."""
    if len(x.shape) != 1 or kernel.shape[0] != x.shape[0]:
        raise ValueError(f"dense {name!r}: kernel {kernel.shape} does not fit input shape {x.shape}")
    bounds = dense_accumulator(x.type, kernel, bias)
    params = {"kernel": kernel} | ({"bias": bias} if bias is not None else {})
    attrs = {"accumulator": bounds.type, "multiplier": multiplier or multiplier_kind(kernel, x.type),
             "magnitude_bits": bounds.magnitude_bits, "op_count": int(kernel.shape[0] * kernel.shape[1])}
    return Node(name, "dense", [x.name], Value(out_name, (kernel.shape[1],), bounds.type), attrs, params)


def quantize_node(name: str, x: Value, target: FixedType, out_name: str) -> Node:
    return Node(name, "quantize", [x.name], Value(out_name, x.shape, target))


def relu_node(name: str, x: Value, out_name: str) -> Node:
    t = x.type
    out = FixedType(max(t.width - 1, 1), t.integer - 1, False) if t.signed else FixedType(t.width, t.integer, False)
    return Node(name, "relu", [x.name], Value(out_name, x.shape, out))


def table_node(name: str, x: Value, outputs: IntTensor, out_name: str) -> Node:
    """An exact lookup table, elementwise: `outputs` holds the output mantissa for every input mantissa of
    x.type, in order (build it over table_inputs(x.type)); the node stores it compressed (hwq.ir.table)."""
    t = compress_table(name, x.type, outputs)
    return Node(name, "table", [x.name], Value(out_name, x.shape, outputs.type), t.attrs(), {"table": t.table})
