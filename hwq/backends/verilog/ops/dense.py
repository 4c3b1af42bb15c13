"""A dense node as Verilog: every output one sum of constant products in the accumulator width.

Dense acts on the last axis: a value of shape (..., n_in) is rows of n_in inputs, and each row gets the
same constant sums (a generate loop over the rows of the leading axes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hwq.backends.verilog.expr import Bits, element, extend, signed_literal
from hwq.backends.verilog.ops.base import NodeView, input_buses, output_bus
from hwq.fixed import ap_spelling
from hwq.fixed.integers import is_power_of_two, wrap_signed
from hwq.ir import Node, Value

TERMS_PER_LINE = 6


@dataclass
class Operand:
    """One input element, extended (or cut) to the accumulator width: `wire signed [W-1:0] name = expr;`."""

    name: str
    expr: str
    note: str


@dataclass
class Output:
    """`assign target = lines...;` — the sum for one output, split over lines."""

    target: str
    lines: list[str]


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


def dense_view(node: Node, module: str, inputs: list[Value]) -> DenseView:
    x_type, acc = inputs[0].type, node.output.type
    kernel = node.params["kernel"]
    n_in, n_out = kernel.shape[0], kernel.shape[1]
    rows = node.output.size // n_out
    src, dst = ("xr", "yr") if rows > 1 else ("x", "y")
    w = acc.width
    # the verifier proved the accumulator's grid at least as fine as the products' and the bias's
    kshift = acc.frac - x_type.frac - kernel.type.frac
    constants = [[int(v) << kshift for v in row] for row in kernel.mantissa.reshape(n_in, -1)]
    bias = None
    if "bias" in node.params:
        b = node.params["bias"]
        bias = [int(v) << (acc.frac - b.type.frac) for v in b.mantissa.reshape(-1)]

    used = sorted({i for i in range(n_in) for j in range(n_out) if wrap_signed(constants[i][j], w)})
    kept = "cut to" if w < x_type.width else ("sign-extended to" if x_type.signed else "zero-extended to")
    operands = [Operand(f"x{i}", extend(Bits.of_element(src, i, x_type.width), x_type.signed, w),
                        f"x[{i}] {kept} {w} bits") for i in used]
    outputs = []
    for j in range(n_out):
        terms = [(constants[i][j], f"x{i}") for i in used]
        if bias is not None:
            terms.append((bias[j], None))
        outputs.append(Output(element(dst, j, w), _sum_lines(terms, w)))

    nonzero = int(np.count_nonzero(kernel.mantissa))
    per_row = f"; the same sums for each of the {rows} rows of the leading axes" if rows > 1 else ""
    comment = [
        f"{node.name}: dense over the last axis, {n_in} x {ap_spelling(x_type)} in, {n_out} x {ap_spelling(acc)} "
        f"out{per_row}",
        f"kernel {ap_spelling(kernel.type)}: {nonzero} of {n_in * n_out} weights nonzero (zeros are skipped)"
        + (f"; bias {ap_spelling(node.params['bias'].type)}" if bias is not None else ""),
        f"Every operand and constant is a {w}-bit word and each sum is formed modulo 2^{w}: the accumulator",
        "type was proven by interval analysis to hold every result, so where an intermediate sum wraps",
        "(two's complement), the final sum is still exact.",
    ]
    return DenseView(module, comment, input_buses(inputs), output_bus(node), rows, n_in, x_type.width, n_out, w,
                     operands, outputs)


def _sum_lines(terms: list[tuple[int, str | None]], width: int) -> list[str]:
    """`a * 8'sd3 - b + $signed({c[5:0], 2'b0}) + 8'sd5` over several lines; constants taken modulo 2^width,
    zeros left out."""
    parts = []
    for c, operand in terms:
        c = wrap_signed(c, width)
        if c == 0:
            continue
        # -2^(width-1) is its own negation modulo 2^width: no sign to pull out
        sign = "-" if c < 0 and c != -(1 << (width - 1)) else "+"
        parts.append((sign, _term(operand, abs(c), width)))
    if not parts:
        return [f"{width}'sd0"]
    words = [("-" if parts[0][0] == "-" else "") + parts[0][1]] + [f"{s} {t}" for s, t in parts[1:]]
    return [" ".join(words[k:k + TERMS_PER_LINE]) for k in range(0, len(words), TERMS_PER_LINE)]


def _term(operand: str | None, magnitude: int, width: int) -> str:
    """A constant alone (the bias); an operand times a power of two as a shift (wiring, no multiplier);
    else operand * constant. All `width` bits wide, taken modulo 2^width."""
    if operand is None:
        return signed_literal(wrap_signed(magnitude, width), width)
    if is_power_of_two(magnitude):
        k = magnitude.bit_length() - 1
        if k == 0:
            return operand
        low = f"{operand}[{width - 1 - k}:0]" if width - 1 - k > 0 else f"{operand}[0]"
        return f"$signed({{{low}, {k}'b0}})"
    return f"{operand} * {signed_literal(magnitude, width)}"

