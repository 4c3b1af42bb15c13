"""A relu node as Verilog: max(x, 0) per element, the mantissa kept as is (same fraction bits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hwq.backends.verilog.expr import resize
from hwq.fixed import FixedType, ap_spelling
from hwq.ir import Node


@dataclass
class ReluView:
    op: ClassVar[str] = "relu"
    module: str
    comment: list[str]
    n: int
    w_in: int
    w_out: int
    y_expr: str  # of the input element xi


def relu_view(node: Node, module: str, src: FixedType) -> ReluView:
    dst = node.output.type
    kept = resize("xi", src.width, False, dst.width)  # only read when xi >= 0, so zero bits extend it
    y = f"xi[{src.width - 1}] ? {dst.width}'d0 : {kept}" if src.signed else kept
    comment = [f"{node.name}: relu, {node.output.size} x {ap_spelling(src)} -> {ap_spelling(dst)}"]
    return ReluView(module, comment, node.output.size, src.width, dst.width, y)
