"""An add node as Verilog: per element, every input aligned to the output's fraction bits, extended to the
output width, and summed modulo 2^W (see elementwise.py for why that is exact)."""

from __future__ import annotations

from typing import ClassVar

from hwq.backends.verilog.ops.elementwise import ElementwiseView, make_view, operands, signed_sum
from hwq.ir import Node, Value


class AddView(ElementwiseView):
    op: ClassVar[str] = "add"


def add_view(node: Node, module: str, inputs: list[Value]) -> AddView:
    out = node.output.type
    ops = operands(node, inputs, out.width, [out.frac - v.type.frac for v in inputs])
    how = f"each input aligned to {out.frac} fraction bits and extended to {out.width} bits, then summed"
    return make_view(AddView, node, module, inputs, out.width, ops, signed_sum([("+", a) for a in ops], out.width),
                     0, how)
