"""An affine node as Verilog: y[..., c] = bias[c] + x[..., c] * kernel[c] is dense over a diagonal matrix, so
the view is dense's (ops/dense.py): per row of the last axis, one constant product and offset per channel,
a power of two as a shift, a zero weight leaving the bias alone."""

from __future__ import annotations

from typing import ClassVar

from hwq.backends.verilog.ops.dense import DenseView, row_view
from hwq.fixed import ap_spelling
from hwq.ir import Node, Value
from hwq.ir.ops.kernel import position_matrix
from hwq.passes.stages import KernelTiming


class AffineView(DenseView):
    op: ClassVar[str] = "affine"


def affine_view(node: Node, module: str, inputs: list[Value], timing: KernelTiming | None = None) -> AffineView:
    matrix = position_matrix(node)
    what = f"affine per channel of the last axis, {len(matrix)} x {ap_spelling(inputs[0].type)} in"
    return row_view(AffineView, node, module, inputs, matrix, what, timing)

