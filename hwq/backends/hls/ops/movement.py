"""concatenate, reshape, transpose: elements copied to new positions, every index computed here.

Each copy is an assignment: exact, since the output type holds every input's range on a grid at
least as fine (concatenate: proven by the verifier; reshape and transpose keep the input's format).
"""

from __future__ import annotations

from hwq.backends.hls.loops import index_vars, subscript, unflatten
from hwq.backends.hls.ops.context import PrintContext, Printed, op_template
from hwq.ir import Node


def print_concatenate(ctx: PrintContext, node: Node) -> Printed:
    axis = node.attrs["axis"]
    copies, offset = [], 0
    for v in ctx.inputs(node):
        loops = ctx.loops(v.shape)
        at = index_vars(len(v.shape))
        if offset:
            at[axis] = f"{at[axis]} + {offset}"
        copies.append({"loops": loops, "y": ctx.array(node.output) + subscript(at), "x": ctx.array(v) + loops.index})
        offset += v.shape[axis]
    parts = ", ".join(ctx.array(v) for v in ctx.inputs(node))
    comment = f"concatenate {parts} along axis {axis}, each exactly into {ctx.spell(node.output.type)}"
    return Printed(op_template("copy"), comment, {"copies": copies})


def print_reshape(ctx: PrintContext, node: Node) -> Printed:
    """One loop over the row-major position, which reshape keeps: both subscripts come from it."""
    (x,) = ctx.inputs(node)
    out = node.output
    loops = ctx.loops((out.size,))
    (i,) = index_vars(1)
    copy = {"loops": loops, "y": ctx.array(out) + unflatten(i, out.shape), "x": ctx.array(x) + unflatten(i, x.shape)}
    comment = f"reshape {x.shape} -> {out.shape}, row-major order kept"
    return Printed(op_template("copy"), comment, {"copies": [copy]})


def print_transpose(ctx: PrintContext, node: Node) -> Printed:
    """Loops over the output; output axis k is input axis perm[k], so the input's axis perm[k] reads counter k."""
    (x,) = ctx.inputs(node)
    perm = node.attrs["perm"]
    loops = ctx.loops(node.output.shape)
    counters = index_vars(len(perm))
    at = [""] * len(perm)
    for k, a in enumerate(perm):
        at[a] = counters[k]
    copy = {"loops": loops, "y": ctx.array(node.output) + loops.index, "x": ctx.array(x) + subscript(at)}
    return Printed(op_template("copy"), f"transpose {x.shape} by {tuple(perm)}", {"copies": [copy]})
