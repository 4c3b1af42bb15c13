"""A dense node as Verilog: every output one sum of constant products in the accumulator width."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hwq.backends.verilog.expr import element, signed_literal, wrap_signed
from hwq.fixed import FixedType, ap_spelling
from hwq.ir import IRError, Node

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
class DenseView:
    op: ClassVar[str] = "dense"
    module: str
    comment: list[str]
    n_in: int
    w_in: int
    n_out: int
    width: int  # accumulator width: every operand, constant and sum has exactly this many bits
    operands: list[Operand]
    outputs: list[Output]


def dense_view(node: Node, module: str, x_type: FixedType) -> DenseView:
    acc = node.output.type
    kernel = node.params["kernel"]
    n_in, n_out = kernel.shape[0], kernel.shape[1]
    w = acc.width
    kshift = acc.frac - x_type.frac - kernel.type.frac
    constants = [[v << kshift for v in row] for row in _ints(kernel.mantissa, kshift, node)]
    bias = None
    if "bias" in node.params:
        b = node.params["bias"]
        bias = [int(v) << _shift(acc.frac - b.type.frac, node, "bias") for v in b.mantissa.reshape(-1)]

    used = sorted({i for i in range(n_in) for j in range(n_out) if wrap_signed(constants[i][j], w)})
    kept = "cut to" if w < x_type.width else ("sign-extended to" if x_type.signed else "zero-extended to")
    operands = [Operand(f"x{i}", _extend(i, x_type, w), f"x[{i}] {kept} {w} bits") for i in used]
    outputs = []
    for j in range(n_out):
        terms = [(constants[i][j], f"x{i}") for i in used]
        if bias is not None:
            terms.append((bias[j], None))
        outputs.append(Output(element("y", j, w), _sum_lines(terms, w)))

    nonzero = int(np.count_nonzero(kernel.mantissa))
    comment = [
        f"{node.name}: dense, {n_in} x {ap_spelling(x_type)} in, {n_out} x {ap_spelling(acc)} out",
        f"kernel {ap_spelling(kernel.type)}: {nonzero} of {n_in * n_out} weights nonzero (zeros are skipped)"
        + (f"; bias {ap_spelling(node.params['bias'].type)}" if bias is not None else ""),
        f"Every operand and constant is a {w}-bit word and each sum is formed modulo 2^{w}: the accumulator",
        "type was proven by interval analysis to hold every result, so where an intermediate sum wraps",
        "(two's complement), the final sum is still exact.",
    ]
    return DenseView(module, comment, n_in, x_type.width, n_out, w, operands, outputs)


def _extend(i: int, t: FixedType, width: int) -> str:
    """Input element i as a `width`-bit word: sign bits for a signed type, zero bits for an unsigned one."""
    lo = i * t.width
    if width <= t.width:  # modulo 2^width only the low bits matter
        return f"x[{lo + width - 1}:{lo}]" if width > 1 else f"x[{lo}]"
    src = element("x", i, t.width)
    fill = f"x[{lo + t.width - 1}]" if t.signed else "1'b0"
    return f"{{{{{width - t.width}{{{fill}}}}}, {src}}}"


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
    if magnitude & (magnitude - 1) == 0:
        k = magnitude.bit_length() - 1
        if k == 0:
            return operand
        low = f"{operand}[{width - 1 - k}:0]" if width - 1 - k > 0 else f"{operand}[0]"
        return f"$signed({{{low}, {k}'b0}})"
    return f"{operand} * {signed_literal(magnitude, width)}"


def _ints(m: np.ndarray, kshift: int, node: Node) -> list[list[int]]:
    _shift(kshift, node, "kernel")
    return [[int(v) for v in row] for row in np.asarray(m).reshape(m.shape[0], -1)]


def _shift(s: int, node: Node, what: str) -> int:
    if s < 0:
        raise IRError(f"node {node.name!r}: the accumulator has fewer fraction bits than the {what} products "
                      f"({-s} too few); it cannot hold the sum exactly")
    return s
