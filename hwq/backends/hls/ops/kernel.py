"""What the printers of the kernel ops (dense, conv, affine) share: the accumulator's start and one weighted input.

Each output element is its own accumulator: the output type is proven (hwq.fixed.intervals) to hold every
partial sum when the bias comes first, on a grid at least as fine as every product, so `y = bias` followed
by `y += x * w` never rounds or overflows, whatever order the loops add the products in. Weights that are all
0 or +-2^e (the shift multiplier kinds) become sign and exponent arrays: `y += term` or `y -= term` with
term = x << e, no multiplier. templates/hls/ops/product.cpp.j2 lays out either form.

The integer form (integer_form) holds the same sum as integer mantissas: a local int64_t (int32_t where it
fits, see integer_type) accumulator per output element starts from the bias's mantissa on the accumulator's grid
and adds each input's mantissa times the weight's (both on that grid, plain C integer arrays); the finished sum
is stored as the output's raw bits. Every partial sum lies in the accumulator type's range (the proof above), so
the C integer never overflows and the sum is the same integer. g++ computes a product of ap_fixed operands in
about 11 ns and of int64_t in 0.2 (a 144 x 16 kernel, measured for issue 9); an HLS tool keeps of each C adder
only the bits that the store into the accumulator's width reads, as in the shift-add form (shift_add.py).

A dense or conv kernel of few values (hwq.ir.codebook.node_codebook) is stored as an index memory plus tables of
its values, in both forms: the integer form's tables hold mantissas on the accumulator's grid (stored_weights), the
fixed-point form's (an accumulator or input past INT64_BITS) the kernel's own fixed-point values (product). Dense
and conv print through these two functions, so the C++ holds what the summary and the report count.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from hwq.backends.hls.code import CArray
from hwq.backends.hls.loops import subscript
from hwq.backends.hls.ops.context import PrintContext, label
from hwq.fixed import FixedType, Interval
from hwq.ir import SHIFT_KINDS, IntTensor, Node
from hwq.ir.codebook import Codebook, node_codebook

INT64_BITS = 62  # an accumulator (and an input) at most this wide sums in int64_t with room to spare
INT32_BITS = 30  # ... in int32_t: a product is the difference of two partial sums, within +-2^30


def shifted(node: Node) -> bool:
    """Whether the node's weights are printed as shifts (the IR checked these kinds' weights are 0 or +-2^e)."""
    return node.attrs["multiplier"] in SHIFT_KINDS


def start(ctx: PrintContext, node: Node, index: str) -> tuple[str, list[CArray]]:
    """What the accumulator starts from: the bias at `index` (e.g. `[j]`), or 0."""
    if "bias" not in node.params:
        return "0", []
    bias = ctx.param(node, "bias")
    return bias.name + index, [bias]


def product(ctx: PrintContext, node: Node, x: FixedType, pad: str, y: str, x_at: str,
            index: str) -> tuple[dict[str, Any], list[CArray]]:
    """The fields of product.cpp.j2 adding `x_at` (of type x) times the kernel's weight at subscript `index`
    into `y`, indented by `pad`; and the constant arrays it reads."""
    fields: dict[str, Any] = {"pad": pad, "y": y, "x": x_at, "term_type": None}
    if not shifted(node):
        book = node_codebook(node)
        if book is None:
            kernel = ctx.param(node, "kernel")
            return fields | {"weight": kernel.name + index}, [kernel]
        weight, arrays = _codebook_weight(ctx, node, book, index)
        return fields | {"weight": weight}, arrays
    sign, shift, fields["term_type"], amount = _shift_terms(ctx, node, x)
    # the headers shift by an integer of their own (ac_fixed takes no plain int)
    return fields | {"sign": sign.name + index, "shift": f"{amount}({shift.name}{index})"}, [sign, shift]

def _codebook_weight(ctx: PrintContext, node: Node, book: Codebook, index: str) -> tuple[str, list[CArray]]:
    """The weight at subscript `index` (e.g. `[i][j]`) read through the index memory from centroid tables of the
    kernel's fixed-point type, and those two arrays."""
    at = re.findall(r"\[([^\]]*)\]", index)
    kernel = node.params["kernel"]
    indices = ctx.int_param(node, "kernel_index", book.index)
    tables = ctx.param(node, "kernel_centroids", IntTensor(np.asarray(book.tables, dtype=np.int64), kernel.type))
    row = "[0]" if book.axis is None else f"[{at[book.axis]}]"
    return f"{tables.name}{row}[{indices.name}{index}]", [indices, tables]


def _shift_terms(ctx: PrintContext, node: Node, x: FixedType) -> tuple[CArray, CArray, str, str]:
    """Sign and exponent arrays shaped as the kernel; term_t, which holds x and every x * 2^e exactly; and the
    flavour's integer type the shift amount is given in."""
    kernel = node.params["kernel"]
    m = np.asarray(kernel.mantissa, dtype=object)
    signs = np.sign(m).astype(np.int64)
    # |m| = 2^k means the weight is 2^(k - frac); zero weights get exponent 0 (their sign 0 skips them)
    exps = np.vectorize(lambda v: abs(int(v)).bit_length() - 1 - kernel.type.frac if v else 0, otypes=[np.int64])(m)
    acc: FixedType = node.attrs["accumulator"]
    # a right shift (e < 0) keeps every bit: the accumulator has the product's fraction bits, x.frac - e or more
    frac = max(acc.frac, x.frac)
    top = int(exps.max())
    terms = Interval.of_type(x).hull(Interval.of_type(x).scaled(max(top, 0))).at(frac)
    note = f"{label(node)}'s inputs, exactly, and every input shifted by a weight's exponent"
    term_type = ctx.typedef(f"{label(node)}_term", terms.fitting_type(), note)
    e_bits = max(2, max(int(np.abs(exps).max()), 1).bit_length() + 1)
    amount = ctx.flavour.spell_int(e_bits, True)
    return ctx.int_param(node, "sign", signs), ctx.int_param(node, "shift", exps), term_type, amount


def integer_form(node: Node, x: FixedType) -> bool:
    """Whether the node's products are printed on integer mantissas in C integers (see the module's docstring): any
    multiplied (not shifted) weights, an accumulator and input of at most INT64_BITS, weights on the accumulator's
    grid within int64_t."""
    if shifted(node) or node.output.type.width > INT64_BITS or x.width > INT64_BITS:
        return False
    kernel = node.params["kernel"]
    up = node.output.type.frac - x.frac - kernel.type.frac
    return max(abs(int(v)) for v in np.asarray(kernel.mantissa, dtype=object).ravel()) << up < 1 << INT64_BITS


def integer_type(node: Node, x: FixedType) -> str:
    """The C integer type of the integer form's accumulator and input mantissas: int32_t where they fit (g++
    vectorises twice as many lanes), else int64_t."""
    return "int32_t" if max(node.output.type.width, x.width) <= INT32_BITS else "int64_t"


def integer_start(ctx: PrintContext, node: Node, index: str) -> tuple[str, list[CArray]]:
    """What the integer accumulator starts from: the bias's mantissa on the accumulator's grid at `index`, or 0."""
    bias = node.params.get("bias")
    if bias is None:
        return "0", []
    # the verifier proved the accumulator's grid at least as fine as the bias's
    up = node.output.type.frac - bias.type.frac
    values = np.vectorize(lambda v: int(v) << up, otypes=[object])(np.asarray(bias.mantissa, dtype=object))
    array = ctx.int_param(node, "bias_mantissa", values)
    return array.name + index, [array]


def integer_weights(ctx: PrintContext, node: Node, x: FixedType) -> CArray:
    """The kernel's mantissas on the accumulator's grid, so that x's mantissa times one is a product's mantissa
    there; shaped as the kernel."""
    kernel = node.params["kernel"]
    up = node.output.type.frac - x.frac - kernel.type.frac  # >= 0: the accumulator holds every product exactly
    values = np.vectorize(lambda v: int(v) << up, otypes=[object])(np.asarray(kernel.mantissa, dtype=object))
    return ctx.int_param(node, "kernel_mantissa", values)


def stored_weights(ctx: PrintContext, node: Node, x: FixedType, at: tuple[str, ...]) -> tuple[list[CArray], str]:
    """The kernel as the integer form stores it, and the expression of its weight at index variables `at` (one per
    kernel axis): the integer mantissas on the accumulator's grid (integer_weights), or, for a kernel of few values
    (hwq.ir.codebook.node_codebook), an index memory plus a table of those mantissas per slice:
    weight = table[slice][index]."""
    book = node_codebook(node)
    if book is None:
        weights = integer_weights(ctx, node, x)
        return [weights], weights.name + subscript(at)
    up = node.output.type.frac - x.frac - node.params["kernel"].type.frac  # as integer_weights: >= 0
    index = ctx.int_param(node, "kernel_index", book.index)
    tables = ctx.int_param(node, "kernel_centroids", book.tables.astype(object) * (1 << up))
    row = "[0]" if book.axis is None else f"[{at[book.axis]}]"
    return [index, tables], f"{tables.name}{row}[{index.name}{subscript(at)}]"


def codebook_note(node: Node) -> str:
    """`; stored as a codebook, ...` for the printed comment of a node whose kernel is stored as an index memory and
    centroid tables (in either form), else ''."""
    book = node_codebook(node)
    return "" if book is None else f"; stored as a codebook, {book.describe()}"


def integer_store(ctx: PrintContext, node: Node, y_at: str, acc_at: str) -> str:
    """The statement storing the integer accumulator `acc_at` as the raw bits of output element `y_at`."""
    acc = node.output.type
    fl = ctx.flavour
    return fl.write_mantissa(y_at, acc.width, f"{fl.spell_int(acc.width, acc.signed)}({acc_at})")


def integer_read(ctx: PrintContext, x: FixedType, x_at: str) -> str:
    """x's mantissa at `x_at` as an int64_t expression (held exactly by integer_type)."""
    return ctx.flavour.get_mantissa(x_at, x.width, x.signed)
