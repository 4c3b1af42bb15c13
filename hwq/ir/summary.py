"""A per-node table of types, accumulators, multiplier kinds and operation counts."""

from __future__ import annotations

from hwq.fixed import ap_spelling


def summary(graph) -> str:
    rows = [("node", "op", "input", "output", "accumulator", "mult", "ops")]
    values = graph.values()
    for v in graph.inputs:
        rows.append((v.name, "input", "float", _t(v.type), "", "", ""))
    for n in graph.nodes:
        src = values[n.inputs[0]].type if n.inputs else None
        acc = n.attrs.get("accumulator")
        rows.append((n.name, n.op, _t(src) if src else "", _t(n.output.type),
                     _t(acc) if acc else "", n.attrs.get("multiplier", ""),
                     _ops(n)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"graph {graph.name}: {len(graph.nodes)} nodes"]
    for k, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    for key, val in graph.meta.get("notes", {}).items():
        lines.append(f"{key}: {val}")
    if graph.meta.get("left_out"):
        lines.append(f"not lowered (the exact chain stops before them): {', '.join(graph.meta['left_out'])}")
    return "\n".join(lines)


def _ops(n) -> str:
    if n.op == "table":  # no arithmetic: its cost is the ROM, and the shift tells how coarse the staircase is
        entries = n.params["table"].shape[0]
        shift = n.attrs["index_shift"]
        return f"{entries} entries" + (f" (x >> {shift})" if shift else "")
    return str(n.attrs.get("op_count", ""))


def _t(t) -> str:
    return ap_spelling(t)
