"""A relu node as Verilog: max(x, 0) per element, the mantissa kept as is (same fraction bits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hwq.backends.verilog.expr import resize
from hwq.backends.verilog.ops.base import NodeView, input_buses, output_bus
from hwq.fixed import ap_spelling
from hwq.ir import Node, Value


@dataclass
class ReluView(NodeView):
    op: ClassVar[str] = "relu"
    n: int
    w_in: int
    w_out: int
    y_expr: str  # of the input element xi


def relu_view(node: Node, module: str, inputs: list[Value]) -> ReluView:
    src, dst = inputs[0].type, node.output.type
    kept = resize("xi", src.width, False, dst.width)  # only read when xi >= 0, so zero bits extend it
    y = f"xi[{src.width - 1}] ? {dst.width}'d0 : {kept}" if src.signed else kept
    comment = [f"{node.name}: relu, elementwise {ap_spelling(src)} -> {ap_spelling(dst)}"]
    return ReluView(module, comment, input_buses(inputs), output_bus(node), node.output.size, src.width, dst.width, y)
