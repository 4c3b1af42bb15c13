"""What the constant-kernel views (dense, conv, affine) share: outputs as sums of constant products.

A kernel op's outputs are bias[j] + sum_i x[i] * M[i, j] for a constant matrix M: dense's kernel, a conv's
kernel laid over one window (zeros outside each output's group), affine's diagonal. kernel_sums() turns M
into operand wires (the inputs an output reads, extended or cut to the accumulator width) and one sum per
output; zero weights are left out and powers of two become shifts, so the sums are the whole datapath.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hwq.backends.verilog.expr import Bits, element, extend, signed_literal
from hwq.fixed import FixedType, ap_spelling
from hwq.fixed.integers import is_power_of_two, wrap_signed
from hwq.ir import IntTensor, Node
from hwq.ir.ops.kernel import position_matrix
from hwq.passes.stages import KernelTiming

TERMS_PER_LINE = 6


@dataclass
class Operand:
    """A wire: one input element extended (or cut) to the accumulator width, `wire signed [W-1:0] name = expr;`,
    or (bits given) a wire of its own width, signed or not: a step of a shift-add program."""

    name: str
    expr: str | None  # None: the wire is declared alone, and driven by the lines of `instance`
    note: str
    bits: int | None = None
    signed: bool = True
    instance: list[str] | None = None


@dataclass
class Output:
    """`assign target = lines...;` — the sum for one output, split over lines."""

    target: str
    lines: list[str]


@dataclass
class Register:
    """`reg [bits-1:0] name;` loaded with `source` at every clock edge: a program step one stage later."""

    name: str
    source: str
    bits: int
    signed: bool


@dataclass
class Sums:
    width: int  # accumulator width: every operand, constant and sum has exactly this many bits
    operands: list[Operand]  # read from elements of the source bus
    outputs: list[Output]  # into elements of the destination bus
    registers: list[Register] = field(default_factory=list)  # a pipelined program's step copies (clocked by clk)


def kernel_sums(matrix: np.ndarray, kernel_type: FixedType, bias: IntTensor | None, x_type: FixedType,
                acc: FixedType, src: str, dst: str, labels: list[str] | None = None) -> Sums:
    """Output j (element j of `dst`) = bias[j] + sum_i src[i] * matrix[i, j], modulo 2^acc.width; `matrix`
    holds kernel mantissas (n_in, n_out), `src` is a bus of x_type elements; labels[i] names input i in
    the comments (x[i] by default)."""
    w = acc.width
    constants, offsets = kernel_words(matrix, kernel_type, bias, x_type, acc)
    n_in, n_out = matrix.shape
    used = [i for i in range(n_in) if any(constants[i])]
    operands = kernel_operands(used, x_type, w, src, labels)
    outputs = []
    for j in range(n_out):
        terms: list[tuple[int, str | None]] = [(constants[i][j], f"x{i}") for i in used]
        if offsets[j] is not None:
            terms.append((offsets[j], None))
        outputs.append(Output(element(dst, j, w), sum_lines(terms, w)))
    return Sums(w, operands, outputs)


def kernel_words(matrix: np.ndarray, kernel_type: FixedType, bias: IntTensor | None, x_type: FixedType,
                 acc: FixedType) -> tuple[list[list[int]], list[int | None]]:
    """The weights and the bias as words of the accumulator: constants[i][j] (matrix[i, j] on the accumulator's
    grid, modulo 2^W) and offsets[j] (bias[j % bias.size] on that grid: the bias of one row of outputs repeats
    for each row; None for every j when there is no bias)."""
    w = acc.width
    # the verifier proved the accumulator's grid at least as fine as the products' and the bias's
    kshift = acc.frac - x_type.frac - kernel_type.frac
    constants = [[wrap_signed(int(v) << kshift, w) for v in row] for row in matrix]
    n_out = matrix.shape[1]
    if bias is None:
        return constants, [None] * n_out
    words = [int(v) << (acc.frac - bias.type.frac) for v in bias.mantissa.reshape(-1)]
    return constants, [words[j % len(words)] for j in range(n_out)]


def kernel_operands(used: list[int], x_type: FixedType, w: int, src: str,
                    labels: list[str] | None = None) -> list[Operand]:
    """`x<i>`: element i of the bus `src` as a w-bit word (sign- or zero-extended, or cut), for each i in used."""
    kept = "cut to" if w < x_type.width else ("sign-extended to" if x_type.signed else "zero-extended to")
    return [Operand(f"x{i}", extend(Bits.of_element(src, i, x_type.width), x_type.signed, w),
                    f"{labels[i] if labels else f'x[{i}]'} {kept} {w} bits") for i in used]


def node_sums(node: Node, x_type: FixedType, src: str, dst: str, labels: list[str] | None = None,
              timing: KernelTiming | None = None) -> tuple[Sums, list[str]]:
    """One position of a kernel node in its constant form (node.attrs["constants"]), and the comment lines on
    it: a shared shift-add program ("shift_add", hwq.cmvm) or one sum of constant products per output.
    `timing`: a shift-add program's steps in pipeline stages (hwq.passes.stages), registers between them."""
    kernel = node.params["kernel"]
    if node.attrs.get("constants") == "shift_add":
        from hwq.backends.verilog.ops.adders import program_sums
        from hwq.cmvm.kernels import kernel_program

        program = kernel_program(node, x_type)
        note = program_note(node, program) + (timing_note(timing) if timing is not None else [])
        adders = node.attrs.get("adders", "binary")
        return program_sums(program, x_type, node.output.type, src, dst, labels, timing, adders), note
    if timing is not None:
        raise ValueError(f"node {node.name!r}: only a shift-add program has registers between its adders")
    matrix = position_matrix(node)
    sums = kernel_sums(matrix, kernel.type, node.params.get("bias"), x_type, node.output.type, src, dst, labels)
    return sums, kernel_note(node, int(np.count_nonzero(kernel.mantissa)), kernel.mantissa.size)


def program_note(node: Node, program) -> list[str]:
    """The comment lines on a shift-add program."""
    kernel, bias = node.params["kernel"], node.params.get("bias")
    return [
        f"kernel {ap_spelling(kernel.type)}" + (f", bias {ap_spelling(bias.type)}" if bias is not None else "")
        + f": a shared shift-add graph (hwq.cmvm) of {program.count('add')} adders, {program.count('neg')} "
          f"negations, depth {max(program.depth(), default=0)}",
        "Each wire is exactly as wide as the range it was proven to take; the graph was proven to compute the",
        "kernel's sums exactly (hwq.scalar.check) before it was printed.",
    ]


def timing_note(timing: KernelTiming) -> list[str]:
    """The comment line on a pipelined program."""
    return [f"Pipelined over {timing.output + 1} stages (hwq.passes.stages): y comes {timing.output} clock(s) after x; "
            "a step read",
            "in a later stage than it is computed in is read from its register copy there (<step>_d<stages later>)."]


def kernel_note(node: Node, nonzero: int, products: int) -> list[str]:
    """The comment lines on the kernel, and on why sums modulo 2^W are exact."""
    kernel, bias, w = node.params["kernel"], node.params.get("bias"), node.output.type.width
    return [
        f"kernel {ap_spelling(kernel.type)}: {nonzero} of {products} weights nonzero (zeros are skipped)"
        + (f"; bias {ap_spelling(bias.type)}" if bias is not None else ""),
        f"Every operand and constant is a {w}-bit word and each sum is formed modulo 2^{w}: the accumulator",
        "type was proven by interval analysis to hold every result, so where an intermediate sum wraps",
        "(two's complement), the final sum is still exact.",
    ]


def sum_lines(terms: list[tuple[int, str | None]], width: int, per_line: int = TERMS_PER_LINE) -> list[str]:
    """`a * 8'sd3 - b + $signed({c[5:0], 2'b0}) + 8'sd5` over several lines; constants taken modulo 2^width,
    zeros left out."""
    parts = []
    for c, operand in terms:
        c = wrap_signed(c, width)
        if c == 0:
            continue
        # -2^(width-1) is its own negation modulo 2^width: no sign to pull out
        sign = "-" if c < 0 and c != -(1 << (width - 1)) else "+"
        parts.append((sign, constant_term(operand, abs(c), width)))
    if not parts:
        return [f"{width}'sd0"]
    words = [("-" if parts[0][0] == "-" else "") + parts[0][1]] + [f"{s} {t}" for s, t in parts[1:]]
    return [" ".join(words[k:k + per_line]) for k in range(0, len(words), per_line)]


def constant_term(operand: str | None, magnitude: int, width: int) -> str:
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
