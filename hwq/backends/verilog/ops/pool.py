"""A pool node as Verilog: per output position and channel, the maximum or the exact sum of the window's taps.

A generate loop over the output positions p and the channels c reads each tap at a constant offset from
position p's origin in the padded input (ops/window.py). Max pooling pads with the input type's minimum,
as the op defines it: a padded tap never exceeds a real one (every window holds one), so it never changes
a maximum, and synthesis folds away a comparison with that constant. The maximum is a tree of two-way
comparisons in the input's signedness, then extended to the output type. Sum pooling pads with zeros and
adds the taps, each aligned to the output's fraction bits and extended to its width, modulo 2^W: exact,
since the output type was proven to hold every sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hwq.backends.verilog.bus import Bus
from hwq.backends.verilog.expr import Bits, aligned, resize
from hwq.backends.verilog.ops.base import Assign, NodeView, input_buses, output_bus
from hwq.backends.verilog.ops.window import windows
from hwq.fixed import ap_spelling
from hwq.ir import Node, Value
from hwq.ir.ops.pool import pool_window


@dataclass
class Wire:
    """`decl name = expr;` inside the loop body."""

    decl: str
    name: str
    expr: str


@dataclass
class PoolView(NodeView):
    op: ClassVar[str] = "pool"
    padded: Bus | None  # xp, the input padded with the mode's fill (None: the windows read x)
    pad: list[Assign]  # that assign xp
    positions: int  # output positions: the generate loop's p
    channels: int  # the inner loop's c
    wires: list[Wire]  # of position p, channel c: the taps, then the comparisons or aligned terms
    y_slice: str  # y's element (p, c)
    y_expr: str


def pool_view(node: Node, module: str, inputs: list[Value]) -> PoolView:
    x, out = input_buses(inputs)[0], node.output.type
    window, mode = pool_window(node), node.attrs["mode"]
    w = x.width
    win = windows(x, window, node.output.shape[:-1], x.type.min_mantissa if mode == "max" else 0)
    channels = x.shape[-1]
    decl = f"wire {'signed ' if x.type.signed else ''}[{w - 1}:0]"
    wires = [Wire(decl, f"t{k}", win.slice(offset, w, f"c*{w}")) for k, (_, offset) in enumerate(win.taps)]
    if mode == "max":
        result = _max_tree(wires, decl)
        y_expr = resize(result, w, x.type.signed, out.width)
        how = (f"max of the real taps, compared {'signed' if x.type.signed else 'unsigned'}; padding is "
               f"{x.type.min_mantissa}, the input type's minimum")
    else:
        shift = out.frac - x.type.frac
        terms = []
        for k in range(len(wires)):
            expr = aligned(Bits.wire(f"t{k}", w), x.type.signed, shift, out.width)
            if expr is not None:  # else a multiple of 2^W: nothing modulo 2^W
                terms.append(Wire(f"wire [{out.width - 1}:0]", f"a{k}", expr))
        wires += terms
        y_expr = " + ".join(a.name for a in terms) or f"{out.width}'d0"
        how = f"sum of the taps (zero padding), each aligned to {out.frac} fraction bits, modulo 2^{out.width}"
    comment = [f"{node.name}: {mode} pool, {x.shape} of {ap_spelling(x.type)} -> {node.output.shape} of "
               f"{ap_spelling(out)}",
               f"window {list(window.size)}, strides {list(window.strides)}, padding "
               f"{[list(p) for p in window.padding]}; {how}"]
    return PoolView(module, comment, [x], output_bus(node), win.source if win.pad else None, win.pad,
                    win.positions, channels, wires, f"y[(p*{channels} + c)*{out.width} +: {out.width}]", y_expr)


def _max_tree(wires: list[Wire], decl: str) -> str:
    """Append the comparisons of a balanced tree over the taps' wires to `wires`; return the maximum's name."""
    level = [t.name for t in wires]
    k = 0
    while len(level) > 1:
        nxt = []
        for a, b in zip(level[::2], level[1::2], strict=False):
            name = f"m{k}"
            k += 1
            wires.append(Wire(decl, name, f"({b} > {a}) ? {b} : {a}"))
            nxt.append(name)
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]
