"""A dense node as Verilog: every output one sum of constant products in the accumulator width.

Dense acts on the last axis: a value of shape (..., n_in) is rows of n_in inputs, and each row gets the
same constant sums (a generate loop over the rows of the leading axes). Affine is the same view over a
diagonal matrix (ops/affine.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from hwq.backends.verilog.ops.base import NodeView, input_buses, output_bus
from hwq.backends.verilog.ops.kernel import Operand, Output, Register, node_sums
from hwq.fixed import ap_spelling
from hwq.ir import Node, Value
from hwq.ir.ops.kernel import position_matrix
from hwq.passes.stages import KernelTiming


@dataclass
class DenseView(NodeView):
    op: ClassVar[str] = "dense"
    rows: int  # product of the leading axes: the same sums, once per row of n_in inputs
    n_in: int
    w_in: int
    n_out: int
    width: int  # accumulator width: every operand, constant and sum has exactly this many bits
    operands: list[Operand]  # of one row, read from `xr` (the row's slice of x) when rows > 1, else from x
    outputs: list[Output]  # of one row, into `yr` when rows > 1, else into y
    registers: list[Register] = field(default_factory=list)  # of one row: a pipelined program's step copies

    @property
    def clocked(self) -> bool:
        return bool(self.registers)


def dense_view(node: Node, module: str, inputs: list[Value], timing: KernelTiming | None = None) -> DenseView:
    matrix = position_matrix(node)
    what = f"dense over the last axis, {matrix.shape[0]} x {ap_spelling(inputs[0].type)} in"
    return row_view(DenseView, node, module, inputs, matrix, what, timing)


def row_view(cls: type[DenseView], node: Node, module: str, inputs: list[Value], matrix: np.ndarray,
             what: str, timing: KernelTiming | None = None) -> DenseView:
    """Each row of the last axis (n_in inputs) -> n_out sums bias[j] + sum_i x[i] * matrix[i, j]; `timing`:
    pipeline stages of a shift-add program (hwq.passes.stages)."""
    x_type, acc = inputs[0].type, node.output.type
    n_in, n_out = matrix.shape
    rows = node.output.size // n_out
    src, dst = ("xr", "yr") if rows > 1 else ("x", "y")
    sums, note = node_sums(node, x_type, src, dst, timing=timing)
    per_row = f"; the same sums for each of the {rows} rows of the leading axes" if rows > 1 else ""
    comment = [f"{node.name}: {what}, {n_out} x {ap_spelling(acc)} out{per_row}", *note]
    return cls(module, comment, input_buses(inputs), output_bus(node), rows, n_in, x_type.width, n_out, sums.width,
               sums.operands, sums.outputs, sums.registers)
