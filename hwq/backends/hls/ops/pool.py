"""pool: each channel's maximum, or exact sum, over every window (window.py's loops, padding skipped).

max: the output starts at the input type's minimum, which no tap is below, and each tap inside the input
replaces it when larger; every window holds a real input (the IR keeps padding below the window size), so
the padding (the minimum, in the IR's meaning) never wins. sum: the output starts at 0 and `+=` each tap
inside; the output type has at least the input's fraction bits and holds every partial sum (each tap's
range holds 0), so nothing rounds or wraps.
"""

from __future__ import annotations

from hwq.backends.hls.literals import exact_literal
from hwq.backends.hls.ops.context import PrintContext, Printed, op_template
from hwq.backends.hls.ops.window import window_loops
from hwq.fixed import FixedType
from hwq.ir import Node
from hwq.ir.ops.pool import pool_window


def print_pool(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    y = node.output
    window = pool_window(node)
    loops = window_loops(ctx, window, x.shape[:-1], y.shape[:-1])
    channels = y.shape[-1]
    mode = node.attrs["mode"]
    fields = {"outs": loops.outs, "init": ctx.loops((channels,), ["j"], 1 + window.rank), "taps": loops.taps,
              "acc": ctx.loops((channels,), ["j"], loops.depth), "mode": mode,
              "y": f"{ctx.array(y)}{loops.out_at}[j]", "x": f"{ctx.array(x)}{loops.at}[j]",
              "start": minimum_literal(x.type) if mode == "max" else "0"}
    size = "x".join(map(str, window.size))
    how = ("the largest tap inside the input" if mode == "max" else
           f"the exact sum of the taps inside the input, in {ctx.spell(y.type)}")
    return Printed(op_template("pool"), f"{mode} pool {size}, {x.shape} -> {y.shape}: {how}", fields)


def minimum_literal(t: FixedType) -> str:
    """The type's least value as an exact literal: 0, or -2^(width - 1) mantissa steps, a power of two."""
    return exact_literal(-1, t.frac - (t.width - 1)) if t.signed else "0"
