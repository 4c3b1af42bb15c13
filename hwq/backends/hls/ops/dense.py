"""dense over the last axis: y[..., j] = bias[j] + sum_i x[..., i] * w[i][j], in the accumulator type.

The accumulator is the output element itself (see kernel.py: its type holds every partial sum when the
bias comes first). Leading axes are loops around the product. Shift-kind weights are sign and shift tests. In the
shift-add form (shift_add.py) a function computes each row.
"""

from __future__ import annotations

from hwq.backends.hls.loops import index_vars, subscript
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
from hwq.backends.hls.ops.shift_add import per_row, uses_shift_add
from hwq.ir import Node, Value


def print_dense(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    lead = x.shape[:-1]
    n_in, n_out = x.shape[-1], node.output.shape[-1]
    if uses_shift_add(node):
        return per_row(ctx, node, f"dense {n_in} -> {n_out}")
    if integer_form(node, x.type):
        return _integer(ctx, node)
    rows = subscript(index_vars(len(lead)))
    init = ctx.loops((*lead, n_out), [*index_vars(len(lead)), "j"])
    acc = ctx.loops((*lead, n_in, n_out), [*index_vars(len(lead)), "i", "j"])
    y = f"{ctx.array(node.output)}{rows}[j]"
    first, params = start(ctx, node, "[j]")
    mac, weights = product(ctx, node, x.type, acc.pad, y, f"{ctx.array(x)}{rows}[i]", "[i][j]")
    fields = {"init": init, "acc": acc, "y": y, "start": first, "product": mac}
    return Printed(op_template("dense"), _comment(ctx, node, x, lead), fields, params + weights)


def _integer(ctx: PrintContext, node: Node) -> Printed:
    """Per row: an integer accumulator per output, each input's mantissa read once and times its row of weights."""
    (x,) = ctx.inputs(node)
    lead, depth = x.shape[:-1], len(x.shape) - 1
    n_in, n_out = x.shape[-1], node.output.shape[-1]
    rows = ctx.loops(lead)
    acc, xm = ctx.namer(f"{label(node)}_acc"), ctx.namer(f"{label(node)}_x")
    first, params = integer_start(ctx, node, "[j]")
    weights, weight = stored_weights(ctx, node, x.type, ("i", "j"))
    fields = {"rows": rows, "acc": acc, "int": integer_type(node, x.type), "n_out": n_out,
              "pragmas": ctx.flavour.partition(acc, (0,)),
              "outs": ctx.loops((n_out,), ["j"], 1 + depth), "start": first,
              "ins": ctx.loops((n_in,), ["i"], 1 + depth), "xm": xm,
              "read": integer_read(ctx, x.type, f"{ctx.array(x)}{rows.index}[i]"),
              "macs": ctx.loops((n_out,), ["j"], 2 + depth), "weight": weight,
              "store": integer_store(ctx, node, f"{ctx.array(node.output)}{rows.index}[j]", f"{acc}[j]")}
    return Printed(op_template("dense_int"), _comment(ctx, node, x, lead), fields, params + weights)


def _comment(ctx: PrintContext, node: Node, x: Value, lead: tuple[int, ...]) -> str:
    n_in, n_out = x.shape[-1], node.output.shape[-1]
    rows = f" for each of {' x '.join(map(str, lead))} rows" if lead else ""
    acc = ctx.spell(node.attrs["accumulator"])
    if shifted(node):
        return (f"dense {n_in} -> {n_out}{rows} with {node.attrs['multiplier']} weights (each 0 or +-2^e): "
                f"acc += (x[i] << e) or acc -= (x[i] << e) by the weight's sign, in {acc}: no multiplier")
    first = "bias" if "bias" in node.params else "0"
    how = (f" on mantissas in {integer_type(node, x.type)}, stored into" if integer_form(node, x.type) else " in")
    return (f"dense {n_in} -> {n_out}{rows}: acc = {first}; acc += x[i] * w[i][j]{how} {acc} "
            f"(proven never to overflow); weights {ctx.spell(node.params['kernel'].type)}{codebook_note(node)}")
