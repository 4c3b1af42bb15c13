"""A reshape node as Verilog: buses are in row-major order and reshape keeps that order, so y = x."""

from __future__ import annotations

from typing import ClassVar

from hwq.backends.verilog.ops.wiring import WiringView, make_view
from hwq.ir import Node, Value


class ReshapeView(WiringView):
    op: ClassVar[str] = "reshape"


def reshape_view(node: Node, module: str, inputs: list[Value]) -> ReshapeView:
    how = f"{inputs[0].shape} -> {node.output.shape}, the same elements in the same row-major order"
    return make_view(ReshapeView, node, module, inputs, [(0, i) for i in range(node.output.size)], [0], how)
