"""A scale node as Verilog: y = x * 2^exponent keeps every mantissa bit and moves the binary point, which
lives in the types (Python), not in the wires: y = x."""

from __future__ import annotations

from typing import ClassVar

from hwq.backends.verilog.ops.wiring import WiringView, make_view
from hwq.fixed import ap_spelling
from hwq.ir import Node, Value


class ScaleView(WiringView):
    op: ClassVar[str] = "scale"


def scale_view(node: Node, module: str, inputs: list[Value]) -> ScaleView:
    how = (f"times 2^{node.attrs['exponent']}: the same bits, read as {ap_spelling(node.output.type)} instead of "
           f"{ap_spelling(inputs[0].type)}")
    return make_view(ScaleView, node, module, inputs, [(0, i) for i in range(node.output.size)], [0], how)
