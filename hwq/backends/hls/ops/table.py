"""table: the index read from the input's raw bits, clamped, into a static const ROM.

The input's mantissa floor-shifted right by s is exactly its top width - s bits read as a two's
complement (or plain, when unsigned) integer, so the index needs no arithmetic at all, only a bit
slice; the clamp is two comparisons. Python decides every bound and spelling here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwq.backends.hls.flavour import Flavour, UnsupportedError
from hwq.backends.hls.ops.context import PrintContext, Printed, op_template
from hwq.fixed import FixedType
from hwq.ir import Node

INDEX_BITS = 63  # the index is read into an int64_t, with room for k - lo
INT64_ENTRY = 1 << 63  # entries below this in magnitude are plain C integers (ctx.int_param)


@dataclass
class CLookup:
    """`k = index; clamp k to [lo, hi]; y = table[subscript]` for one element of the source array."""

    index: str  # int64 expression of the source element (empty for a one-entry table: no index at all)
    lo: str | None  # clamp below to this literal, when the shifted input can be smaller
    hi: str | None  # clamp above, when it can be larger
    subscript: str  # the table position: `k - lo` simplified, or `0`


def print_table(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    loops, (src,), dst = ctx.elementwise(node)
    lookup = table_lookup(node, x.type, src, ctx.flavour)
    table = node.params["table"]
    y = node.output.type
    if max(abs(int(v)) for v in np.asarray(table.mantissa, dtype=object).ravel()) < INT64_ENTRY:
        # the entries as plain C integers, stored into the output's raw bits: g++ compiles a static array of
        # ap_fixed as code run when the library loads (a 4,096-entry table: 11.1 s with the Vitis headers, 1.3 s
        # so; benchmarks/builds.py)
        rom = ctx.int_param(node, "table_mantissa", np.asarray(table.mantissa, dtype=object))
        entry = f"{ctx.flavour.spell_int(y.width, y.signed)}({rom.name}[{lookup.subscript}])"
        store = ctx.flavour.write_mantissa(dst, y.width, entry)
    else:
        rom = ctx.param(node, "table")
        store = f"{dst} = {rom.name}[{lookup.subscript}];"
    fields = {"loops": loops, "store": store, "lookup": lookup}
    return Printed(op_template("table"), table_comment(node, ctx.spell(y)), fields, [rom])


def table_lookup(node: Node, x: FixedType, element: str, flavour: Flavour) -> CLookup:
    """How to index node's table with `element` (e.g. `layer2_out[i0][i1]`), an input of type x."""
    s, lo, hi = (node.attrs[a] for a in ("index_shift", "index_lo", "index_hi"))
    if lo == hi:
        return CLookup("", None, None, "0")
    width = x.width - s  # >= 1: a table with two entries or more changes within the input range
    if width > INDEX_BITS:
        raise UnsupportedError(f"node {node.name!r}: the table index is {width} bits of its input {x}; "
                               f"the HLS backend reads at most {INDEX_BITS} bits into an int64_t")
    index = flavour.get_mantissa(element, width, x.signed, low=s)
    low_clamp = _literal(lo) if lo > x.min_mantissa >> s else None
    high_clamp = _literal(hi) if hi < x.max_mantissa >> s else None
    subscript = "k" if lo == 0 else f"k - {_literal(lo)}" if lo > 0 else f"k + {_literal(-lo)}"
    return CLookup(index, low_clamp, high_clamp, subscript)


def table_comment(node: Node, out_spelling: str) -> str:
    s, lo, hi = (node.attrs[a] for a in ("index_shift", "index_lo", "index_hi"))
    n = node.params["table"].shape[0]
    if n == 1:
        return f"table: a constant of {out_spelling}, whatever the input"
    offset = f" - {lo}" if lo > 0 else f" + {-lo}" if lo < 0 else ""
    return (f"table: y = T[clip(mantissa >> {s}, {lo}, {hi}){offset}], {n} entries of {out_spelling}; "
            "the shifted mantissa is the input's top bits")


def _literal(v: int) -> str:
    """An int64 literal; the suffix keeps values past int's range from depending on the platform."""
    return str(v) if -(1 << 31) < v < 1 << 31 else f"{v}LL"
