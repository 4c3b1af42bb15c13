"""A per-node table: what each node reads (its fan-in), shapes, types, accumulators, multiplier kinds, counts."""

from __future__ import annotations

from hwq.fixed import ap_spelling


def summary(graph, io: str | None = "auto", parallelism: dict[str, int] | None = None,
            pipeline: int | dict[str, int] | None = None, multipliers: str | None = None) -> str:
    """The node table, then (unless io is None) how the graph runs as hardware in the architecture `io`
    ("auto", "parallel" or "stream"; hwq.passes.schedule) at `parallelism`: each node's kind, initiation
    interval, latency, buffers and FIFOs, the clocks per image and the latency. `pipeline`: the parallel Verilog
    top's register stages, as emit takes them (hwq.passes.stages), planned on the graph as the Verilog backend
    prints it with `multipliers` (its passes run on a copy): the latency and the adder levels of each stage."""
    return "\n".join([_nodes(graph)] + ([] if io is None else [_hardware(graph, io, parallelism, pipeline,
                                                                         multipliers)]))


def _nodes(graph, source: str = "float") -> str:
    """`source`: what feeds the graph's inputs (a model's floats, or a loop's row and states)."""
    rows = [("node", "op", "reads", "shape", "input", "output", "accumulator", "mult", "ops")]
    values = graph.values()
    fan_out = {name: len(nodes) for name, nodes in graph.consumers().items()}
    for v in graph.inputs:
        rows.append((v.name, "input", "", _shape(v.shape), source, _t(v.type), "", "", ""))
    for n in graph.nodes:
        sources = [values[name] for name in n.inputs]
        in_types = list(dict.fromkeys(_t(v.type) for v in sources))
        acc = n.attrs.get("accumulator")
        rows.append((n.name, n.op, ", ".join(n.inputs), _shape(n.output.shape), " | ".join(in_types),
                     _t(n.output.type), _t(acc) if acc else "", n.attrs.get("multiplier", ""), _ops(n)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"graph {graph.name}: {len(graph.nodes)} nodes, {len(graph.inputs)} input(s), "
             f"{len(graph.outputs)} output(s)"]
    for k, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(f"outputs: {', '.join(f'{o} {_shape(values[o].shape)}' for o in graph.outputs)}")
    branches = {name: k for name, k in fan_out.items() if k > 1}
    if branches:
        lines.append("read by several nodes: " + ", ".join(f"{name} ({k})" for name, k in branches.items()))
    for key, val in graph.meta.get("notes", {}).items():
        lines.append(f"{key}: {val}")
    lines += _codebooks(graph)
    lines += _loops(graph)
    if graph.meta.get("left_out"):
        lines.append(f"not lowered (the exact chain stops before them): {', '.join(graph.meta['left_out'])}")
    return "\n".join(lines)


def _loops(graph) -> list[str]:
    """Each recurrence's loop: steps, carried states, and its body's own node table, indented."""
    from hwq.ir.ops.recurrence import body_of

    lines = []
    for n in graph.nodes:
        if n.op == "recurrence":
            body = body_of(n)
            states = ", ".join(f"{v.name} {_t(v.type)}" for v in body.inputs[1:])
            order = "last row first" if n.attrs["go_backwards"] else "first row first"
            lines.append(f"loop {n.name}: {graph.value(n.inputs[0]).shape[0]} steps ({order}), carried states "
                         f"{states}, starting at zero; one step:")
            lines += ["    " + line for line in _nodes(body, "the loop").splitlines()]
    return lines


def _codebooks(graph) -> list[str]:
    """A line per kernel whose weights are few values: the memory of an index and centroid tables (hwq.ir.codebook,
    the function the HLS printers and the report ask too)."""
    from hwq.ir.codebook import node_codebook

    lines = []
    for n in graph.nodes:
        book = node_codebook(n)
        if book is not None:
            lines.append(f"codebook {n.name}: {book.describe()}")
    return lines


def _hardware(graph, io: str, parallelism: dict[str, int] | None, pipeline=None, multipliers=None) -> str:
    from hwq.passes.schedule import STREAM_AUTO_ELEMENTS, ScheduleError, schedule

    try:
        if pipeline is not None:  # the stages depend on the kernels' form: plan what emit prints
            from hwq.hardware_cost.estimate import as_printed

            plan = schedule(as_printed(graph, multipliers), io, parallelism, pipeline)
        else:
            plan = schedule(graph, io, parallelism)
    except ScheduleError as err:
        return f"hardware ({io}): {err}"
    why = ""
    if io == "auto":
        why = (f" (auto: a feature map of {STREAM_AUTO_ELEMENTS} elements or more streams)" if plan.io == "stream"
               else " (auto: small enough to compute every value at once)")
    lines = [f"hardware: io={plan.io}{why}; {plan.clocks_per_image} clock(s) per image, latency {plan.latency} "
             f"clock(s)"]
    if plan.pipeline is not None:
        lines.append(_stages(plan.pipeline))
    if plan.io == "stream":
        rows = [("node", "kind", "positions", "II", "latency", "buffer (bits)", "fifo depths", "MACs/clock")]
        for n in plan.nodes:
            buffer = f"{n.buffer_pixels} px ({n.buffer_bits})" if n.buffer_pixels else ""
            rows.append((n.node, n.kind, str(n.positions), str(n.ii), str(n.latency), buffer,
                         ", ".join(map(str, n.fifo_depths)) if any(n.fifo_depths) else "",
                         str(n.parallelism) if n.parallelism else ""))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for k, r in enumerate(rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _stages(p) -> str:
    """One line on a parallel top's register stages (hwq.passes.stages.PipelinePlan)."""
    return (f"pipeline: {p.latency} register stage(s), the output register the last; adder levels per stage "
            f"{', '.join(map(str, p.stage_depths))} (datapath depth {p.depth}); {p.register_bits} register bits added "
            "(delays, copies of adder steps, valid bits)")


def _table_entries(n) -> str:
    """No arithmetic: a table's cost is its ROM, and the shift tells how coarse the staircase is."""
    entries = n.params["table"].shape[0]
    shift = n.attrs["index_shift"]
    return f"{entries} entries" + (f" (x >> {shift})" if shift else "")


# the "ops" column by op; any other op shows its op_count annotation, if it has one
OP_COUNT = {"table": _table_entries}


def _ops(n) -> str:
    count = OP_COUNT.get(n.op)
    return count(n) if count is not None else str(n.attrs.get("op_count", ""))


def _shape(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _t(t) -> str:
    return ap_spelling(t)
