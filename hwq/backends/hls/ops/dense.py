"""dense over the last axis: y[..., j] = bias[j] + sum_i x[..., i] * w[i][j], in the accumulator type.

The accumulator is the output element itself (see kernel.py: its type holds every partial sum when the
bias comes first). Leading axes are loops around the product. Shift-kind weights are sign and shift tests. In the
shift-add form (shift_add.py) a function computes each row.
"""

from __future__ import annotations

from hwq.backends.hls.loops import index_vars, subscript
from hwq.backends.hls.ops.context import PrintContext, Printed, op_template
from hwq.backends.hls.ops.kernel import product, shifted, start
from hwq.backends.hls.ops.shift_add import per_row, uses_shift_add
from hwq.ir import Node, Value


def print_dense(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    lead = x.shape[:-1]
    n_in, n_out = x.shape[-1], node.output.shape[-1]
    if uses_shift_add(node):
        return per_row(ctx, node, f"dense {n_in} -> {n_out}")
    rows = subscript(index_vars(len(lead)))
    init = ctx.loops((*lead, n_out), [*index_vars(len(lead)), "j"])
    acc = ctx.loops((*lead, n_in, n_out), [*index_vars(len(lead)), "i", "j"])
    y = f"{ctx.array(node.output)}{rows}[j]"
    first, params = start(ctx, node, "[j]")
    mac, weights = product(ctx, node, x.type, acc.pad, y, f"{ctx.array(x)}{rows}[i]", "[i][j]")
    fields = {"init": init, "acc": acc, "y": y, "start": first, "product": mac}
    return Printed(op_template("dense"), _comment(ctx, node, x, lead), fields, params + weights)


def _comment(ctx: PrintContext, node: Node, x: Value, lead: tuple[int, ...]) -> str:
    n_in, n_out = x.shape[-1], node.output.shape[-1]
    rows = f" for each of {' x '.join(map(str, lead))} rows" if lead else ""
    acc = ctx.spell(node.attrs["accumulator"])
    if shifted(node):
        return (f"dense {n_in} -> {n_out}{rows} with {node.attrs['multiplier']} weights (each 0 or +-2^e): "
                f"acc += (x[i] << e) or acc -= (x[i] << e) by the weight's sign, in {acc}: no multiplier")
    first = "bias" if "bias" in node.params else "0"
    return (f"dense {n_in} -> {n_out}{rows}: acc = {first}; acc += x[i] * w[i][j] in {acc} "
            f"(proven never to overflow); weights {ctx.spell(node.params['kernel'].type)}")
