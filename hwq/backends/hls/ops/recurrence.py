"""recurrence: the loop over time kept as a loop, its body (the step's nodes, each by its own printer) pipelined.

The states are arrays of the top function, zeroed before the loop; each iteration copies its row of the sequence
into the body's row array, runs the body, stores state 0 as the step's output row and copies the next states
into the state arrays. The flavour pipelines the loop (the top itself is then not pipelined, so the tool keeps the
loop rather than unrolling it): one step per iteration, the next starting as soon as the states it reads are
ready.
"""

from __future__ import annotations

from types import SimpleNamespace

from hwq.backends.hls.code import CArray, CNode
from hwq.backends.hls.ops.context import PrintContext, Printed, label, op_template
from hwq.ir import IRError, Node
from hwq.ir.ops.recurrence import body_of

TIME = "hwq_t"  # the loop counter (reserved by the program's namer)


def print_recurrence(ctx: PrintContext, node: Node) -> Printed:
    from hwq.backends.hls.ops import printer_for
    from hwq.backends.hls.program import held_type

    body = body_of(node)
    producers = {n.output.name: n for n in body.nodes}
    for v in body.values().values():
        if v.name in ctx.values:
            raise IRError(f"node {node.name!r} (recurrence): its body's value {v.name!r} is also a value of the graph")
        ctx.values[v.name] = v
        name = ctx.namer(v.name)
        ctx.arrays[v.name] = CArray(name, ctx.typedef(name, held_type(v, producers.get(v.name)), f"value {name}"),
                                    v.shape)
    steps = ctx.values[node.inputs[0]].shape[0]
    backwards = node.attrs["go_backwards"]
    read = f"{steps - 1} - {TIME}" if backwards else TIME
    stored = (read if node.attrs["time_aligned"] else TIME) if node.attrs["return_sequences"] else "0"
    row, states, nexts = body.inputs[0], body.inputs[1:], body.output_values
    printed = [(b, printer_for(ctx.flavour, b.op)(ctx, b)) for b in body.nodes]
    fields = {
        "t": TIME, "steps": steps,
        "zero": [_copy(ctx, s.shape, ctx.array(s), "0") for s in states],
        "before": ctx.flavour.before_pipeline(), "pragmas": ctx.flavour.in_pipeline(),
        "row": _copy(ctx, row.shape[1:], ctx.array(row) + "[0]", ctx.array(node.inputs[0]) + f"[{read}]"),
        "body": [CNode(label(b), p.comment, p.template, SimpleNamespace(**p.fields)) for b, p in printed],
        "store": _copy(ctx, nexts[0].shape[1:], ctx.array(node.output) + f"[{stored}]", ctx.array(nexts[0]) + "[0]"),
        "update": [_copy(ctx, s.shape, ctx.array(s), ctx.array(n)) for s, n in zip(states, nexts, strict=True)],
    }
    order = "last to first" if backwards else "first to last"
    what = "every step's state 0" if node.attrs["return_sequences"] else "the last step's state 0"
    comment = f"a loop over {steps} rows ({order}), {len(body.nodes)} nodes per step, pipelined; y: {what}"
    return Printed(op_template("recurrence"), comment, fields, [p for _, q in printed for p in q.params],
                   [f for _, q in printed for f in q.functions])


def _copy(ctx: PrintContext, dims: tuple[int, ...], dst: str, src: str) -> SimpleNamespace:
    """dst[...] = src[...] over dims (src "0": zeroes dst)."""
    loops = ctx.loops(dims)
    return SimpleNamespace(loops=loops, y=dst + loops.index, expr=src if src == "0" else src + loops.index)
