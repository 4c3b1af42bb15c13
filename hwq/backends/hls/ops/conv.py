"""conv: y[o, j] = bias[j] + sum over taps t and j's group's input channels i of x[o * s + t * d - pad, c] * w[t, i, j].

For each output position: every output channel's accumulator (the output element itself, see kernel.py)
starts from the bias, then each tap inside the input adds its products (window.py skips the padding).
Output channel j belongs to group j / (cout / groups), which reads input channels from group * (cin /
groups); a depthwise conv (one input channel per group) needs no loop over i.

In the shift-add form (shift_add.py) each output position gathers its window into a local array, taps row-major
then every input channel (the order of the node's position matrix; zeros where a tap is in the padding), and a
function computes every output channel's accumulator from it.
"""

from __future__ import annotations

import math

from hwq.backends.hls.loops import flat_index, subscript
from hwq.backends.hls.ops.context import PrintContext, Printed, label, op_template
from hwq.backends.hls.ops.kernel import (
    codebook_note,
    integer_form,
    integer_read,
    integer_start,
    integer_store,
    integer_type,
    product,
    shifted,
    start,
    stored_weights,
)
from hwq.backends.hls.ops.shift_add import program_function, uses_shift_add
from hwq.backends.hls.ops.window import WindowLoops, window_loops
from hwq.ir import Node
from hwq.ir.ops.conv import conv_window


def print_conv(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    y = node.output
    kernel = node.params["kernel"]
    groups, cin_g, cout = node.attrs["groups"], kernel.shape[-2], kernel.shape[-1]
    window = conv_window(node)
    loops = window_loops(ctx, window, x.shape[:-1], y.shape[:-1])
    if uses_shift_add(node):
        return _shift_add(ctx, node, loops)
    if integer_form(node, x.type):
        return _integer(ctx, node, loops)
    init = ctx.loops((cout,), ["j"], 1 + window.rank)
    # per tap, output channel j outer and its group's input channels i inner: one accumulator takes the
    # tap's products in turn (no loop over i for one input channel per group)
    acc = ctx.loops((cout, cin_g), ["j", "i"], loops.depth) if cin_g > 1 else ctx.loops((cout,), ["j"], loops.depth)
    y_at = f"{ctx.array(y)}{loops.out_at}[j]"
    x_at = f"{ctx.array(x)}{loops.at}[{_channel(groups, cin_g, cout // groups)}]"
    w_at = _weight_at(loops, cin_g)
    first, params = start(ctx, node, "[j]")
    mac, weights = product(ctx, node, x.type, acc.pad, y_at, x_at, subscript(w_at))
    fields = {"outs": loops.outs, "init": init, "taps": loops.taps, "acc": acc, "y": y_at, "start": first,
              "product": mac}
    return Printed(op_template("conv"), _comment(ctx, node, window.size, groups), fields, params + weights)


def _shift_add(ctx: PrintContext, node: Node, loops: WindowLoops) -> Printed:
    """Per output position: the window gathered, then the node's program on it."""
    (x,) = ctx.inputs(node)
    y = node.output
    window = conv_window(node)
    cin = x.shape[-1]
    taps = (*window.size, cin)
    x_elem = ctx.arrays[x.name].type
    fn = program_function(ctx, node, x.type, math.prod(taps), x_elem, ctx.arrays[y.name].type)
    win = ctx.namer(f"{label(node)}_window")
    fields = {"outs": loops.outs, "taps": loops.taps, "window": win, "decl": f"{x_elem} {win}[{math.prod(taps)}]",
              "pragmas": ctx.flavour.partition(win, (0,)),
              "zero": ctx.loops((math.prod(taps),), ["i"], 1 + window.rank) if loops.skips else None,
              "chans": ctx.loops((cin,), ["i"], loops.depth), "tap": flat_index([*loops.tap_vars, "i"], taps),
              "x": f"{ctx.array(x)}{loops.at}[i]", "call": f"{fn.name}({win}, {ctx.array(y)}{loops.out_at})"}
    comment = (f"{_title(ctx, node, window.size, node.attrs['groups'])}: each window gathered "
               f"(taps, then channels{'; zeros in the padding' if loops.skips else ''}), then {fn.name}, the "
               f"constants as shift-adds into the accumulator {ctx.spell(y.type)}")
    return Printed(op_template("shift_add_conv"), comment, fields, functions=[fn])


def _integer(ctx: PrintContext, node: Node, loops: WindowLoops) -> Printed:
    """Per output position: an integer accumulator per output channel; per tap, every input channel's mantissa
    read once, then each output channel adds its group's products (input channels outer when there is one group:
    g++ vectorises the inner loop over output channels, which walks a row of weights)."""
    (x,) = ctx.inputs(node)
    y = node.output
    kernel = node.params["kernel"]
    groups, cin_g, cout = node.attrs["groups"], kernel.shape[-2], kernel.shape[-1]
    window = conv_window(node)
    acc, xm = ctx.namer(f"{label(node)}_acc"), ctx.namer(f"{label(node)}_x")
    first, params = integer_start(ctx, node, "[j]")
    weights, weight = stored_weights(ctx, node, x.type, _weight_at(loops, cin_g))
    if cin_g == 1:
        macs = ctx.loops((cout,), ["j"], loops.depth)
    elif groups == 1:
        macs = ctx.loops((cin_g, cout), ["i", "j"], loops.depth)
    else:
        macs = ctx.loops((cout, cin_g), ["j", "i"], loops.depth)
    init = ctx.loops((cout,), ["j"], 1 + window.rank)
    fields = {"outs": loops.outs, "acc": acc, "int": integer_type(node, x.type), "cout": cout,
              "pragmas": ctx.flavour.partition(acc, (0,)),
              "init": init, "start": first, "taps": loops.taps, "xm": xm, "cin": x.shape[-1],
              "chans": ctx.loops((x.shape[-1],), ["i"], loops.depth),
              "read": integer_read(ctx, x.type, f"{ctx.array(x)}{loops.at}[i]"), "macs": macs,
              "channel": _channel(groups, cin_g, cout // groups),
              "weight": weight,
              "store": integer_store(ctx, node, f"{ctx.array(y)}{loops.out_at}[j]", f"{acc}[j]")}
    return Printed(op_template("conv_int"), _comment(ctx, node, window.size, groups), fields, params + weights)


def _weight_at(loops: WindowLoops, cin_g: int) -> tuple[str, ...]:
    """The kernel's index variables at a tap: the tap's counters, the group's input channel (0 when a group has one
    channel: no loop over i), the output channel."""
    return (*loops.tap_vars, "i" if cin_g > 1 else "0", "j")


def _channel(groups: int, cin_g: int, cout_g: int) -> str:
    """The input channel output channel j reads at step i of its group."""
    if groups == 1:
        return "i" if cin_g > 1 else "0"
    group = "j" if cout_g == 1 else f"j / {cout_g}"
    if cin_g == 1:
        return group
    return f"{group} * {cin_g} + i"


def _title(ctx: PrintContext, node: Node, size: tuple[int, ...], groups: int) -> str:
    """`conv 3x3 depthwise, (8, 8, 3) -> (8, 8, 3)`."""
    x, y = ctx.values[node.inputs[0]], node.output
    kind = "" if groups == 1 else (" depthwise" if groups == x.shape[-1] else f" in {groups} groups")
    return f"conv {'x'.join(map(str, size))}{kind}, {x.shape} -> {y.shape}"


def _comment(ctx: PrintContext, node: Node, size: tuple[int, ...], groups: int) -> str:
    x = ctx.values[node.inputs[0]].type
    how = (f"{node.attrs['multiplier']} weights (each 0 or +-2^e) as shifts, no multiplier" if shifted(node)
           else f"weights {ctx.spell(node.params['kernel'].type)}{codebook_note(node)}")
    where = f" on mantissas in {integer_type(node, x)}, stored into" if integer_form(node, x) else ", in"
    return (f"{_title(ctx, node, size, groups)}: acc = "
            f"{'bias' if 'bias' in node.params else '0'}; acc += x * w over the taps inside the input{where} "
            f"{ctx.spell(node.attrs['accumulator'])} (proven never to overflow); {how}")
