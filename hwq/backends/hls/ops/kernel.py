"""What the printers of the kernel ops (dense, conv, affine) share: the accumulator's start and one weighted input.

Each output element is its own accumulator: the output type is proven (hwq.fixed.intervals) to hold every
partial sum when the bias comes first, on a grid at least as fine as every product, so `y = bias` followed
by `y += x * w` never rounds or overflows, whatever order the loops add the products in. Weights that are all
0 or +-2^e (the shift multiplier kinds) become sign and exponent arrays: `y += term` or `y -= term` with
term = x << e, no multiplier. templates/hls/ops/product.cpp.j2 lays out either form.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hwq.backends.hls.code import CArray
from hwq.backends.hls.ops.context import PrintContext, label
from hwq.fixed import FixedType, Interval
from hwq.ir import SHIFT_KINDS, Node


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
        kernel = ctx.param(node, "kernel")
        return fields | {"weight": kernel.name + index}, [kernel]
    sign, shift, fields["term_type"], amount = _shift_terms(ctx, node, x)
    # the headers shift by an integer of their own (ac_fixed takes no plain int)
    return fields | {"sign": sign.name + index, "shift": f"{amount}({shift.name}{index})"}, [sign, shift]

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
