"""conv: y[o, j] = bias[j] + sum over taps t and j's group's input channels i of x[o * s + t * d - pad, c] * w[t, i, j].

For each output position: every output channel's accumulator (the output element itself, see kernel.py)
starts from the bias, then each tap inside the input adds its products (window.py skips the padding).
Output channel j belongs to group j / (cout / groups), which reads input channels from group * (cin /
groups); a depthwise conv (one input channel per group) needs no loop over i.
"""

from __future__ import annotations

from hwq.backends.hls.ops.context import PrintContext, Printed, op_template
from hwq.backends.hls.ops.kernel import product, shifted, start
from hwq.backends.hls.ops.window import window_loops
from hwq.ir import Node
from hwq.ir.ops.conv import conv_window


def print_conv(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    y = node.output
    kernel = node.params["kernel"]
    groups, cin_g, cout = node.attrs["groups"], kernel.shape[-2], kernel.shape[-1]
    window = conv_window(node)
    loops = window_loops(ctx, window, x.shape[:-1], y.shape[:-1])
    init = ctx.loops((cout,), ["j"], 1 + window.rank)
    # per tap, output channel j outer and its group's input channels i inner: one accumulator takes the
    # tap's products in turn (no loop over i for one input channel per group)
    acc = ctx.loops((cout, cin_g), ["j", "i"], loops.depth) if cin_g > 1 else ctx.loops((cout,), ["j"], loops.depth)
    y_at = f"{ctx.array(y)}{loops.out_at}[j]"
    x_at = f"{ctx.array(x)}{loops.at}[{_channel(groups, cin_g, cout // groups)}]"
    w_at = f"{loops.taps.index}[{'i' if cin_g > 1 else '0'}][j]"
    first, params = start(ctx, node, "[j]")
    mac, weights = product(ctx, node, x.type, acc.pad, y_at, x_at, w_at)
    fields = {"outs": loops.outs, "init": init, "taps": loops.taps, "acc": acc, "y": y_at, "start": first,
              "product": mac}
    return Printed(op_template("conv"), _comment(ctx, node, window.size, groups), fields, params + weights)


def _channel(groups: int, cin_g: int, cout_g: int) -> str:
    """The input channel output channel j reads at step i of its group."""
    if groups == 1:
        return "i" if cin_g > 1 else "0"
    group = "j" if cout_g == 1 else f"j / {cout_g}"
    if cin_g == 1:
        return group
    return f"{group} * {cin_g} + i"


def _comment(ctx: PrintContext, node: Node, size: tuple[int, ...], groups: int) -> str:
    x, y = ctx.values[node.inputs[0]], node.output
    kind = "" if groups == 1 else (" depthwise" if groups == x.shape[-1] else f" in {groups} groups")
    how = (f"{node.attrs['multiplier']} weights (each 0 or +-2^e) as shifts, no multiplier" if shifted(node)
           else f"weights {ctx.spell(node.params['kernel'].type)}")
    return (f"conv {'x'.join(map(str, size))}{kind}, {x.shape} -> {y.shape}: acc = "
            f"{'bias' if 'bias' in node.params else '0'}; acc += x * w over the taps inside the input, in "
            f"{ctx.spell(node.attrs['accumulator'])} (proven never to overflow); {how}")
