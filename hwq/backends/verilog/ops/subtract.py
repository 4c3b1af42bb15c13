"""A subtract node as Verilog: per element, both inputs aligned to the output's fraction bits, extended to
the output width, and subtracted modulo 2^W (see elementwise.py for why that is exact)."""

from __future__ import annotations

from typing import ClassVar

from hwq.backends.verilog.ops.elementwise import ElementwiseView, make_view, operands, signed_sum
from hwq.ir import Node, Value


class SubtractView(ElementwiseView):
    op: ClassVar[str] = "subtract"


def subtract_view(node: Node, module: str, inputs: list[Value]) -> SubtractView:
    out = node.output.type
    a, b = operands(node, inputs, out.width, [out.frac - v.type.frac for v in inputs])
    how = f"both inputs aligned to {out.frac} fraction bits and extended to {out.width} bits, then x0 - x1"
    return make_view(SubtractView, node, module, inputs, out.width, [a, b],
                     signed_sum([("+", a), ("-", b)], out.width), 0, how)
