"""The report's per-node table: one row per IR node with its types, arithmetic, energy and resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hwq.fixed import ap_spelling
from hwq.hardware_cost import GraphEstimate, Measurement
from hwq.ir import Graph
from hwq.ir.codebook import node_codebook
from hwq.passes.schedule import Schedule

# where the codebook figures hold: the Verilog multiplies by constants wired into its logic, no weight memory
CODEBOOK_NOTE = ("codebook weights (hwq.ir.codebook): the HLS designs store these kernels as an index memory plus "
                 "centroid tables (of mantissas where the products fit int64_t, of fixed-point weights past that); the "
                 "codebook "
                 "table counts the index and table bits against the plain weights'. The Verilog wires its constants "
                 "into the logic and stores no weights")


@dataclass
class Report:
    """Everything the HTML page and the JSON file show."""

    graph: str
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    measured: bool = False
    has_energy: bool = False
    io: str = "parallel"

    def to_dict(self) -> dict:
        return {"graph": self.graph, "io": self.io, "rows": self.rows, "totals": self.totals, "notes": self.notes,
                "measured": self.measured, "has_energy": self.has_energy}


def build_report(graph: Graph, est: GraphEstimate, measured: Measurement | None,
                 energy: dict[str, dict[str, float]] | None, notes: list[str], plan: Schedule) -> Report:
    values = graph.values()
    rows = []
    for node, e, stage in zip(graph.nodes, est.nodes, plan.nodes, strict=True):
        acc = node.attrs.get("accumulator")
        row: dict[str, Any] = {
            "node": node.name, "op": node.op,
            "inputs": list(node.inputs),
            "input_type": " | ".join(dict.fromkeys(ap_spelling(values[name].type) for name in node.inputs)),
            "output_type": ap_spelling(node.output.type),
            "shape": list(node.output.shape),
            "accumulator": ap_spelling(acc) if acc is not None else None,
            "multiplier": node.attrs.get("multiplier"), "op_count": node.attrs.get("op_count", 0),
            "est_luts": e.luts, "est_ffs": e.ffs, "est_dsps": e.dsps, "latency": e.latency, "levels": e.levels,
            "est_brams": e.brams, "est_lutrams": e.lutrams, "kind": stage.kind, "ii": stage.ii,
            "buffer_bits": stage.buffer_bits, "fifo_depths": stage.fifo_depths, "parallelism": stage.parallelism,
        }
        book = node_codebook(node)
        row["codebook"] = book.memory() if book is not None else None
        if energy is not None:
            en = energy.get(node.name, {})
            row["energy_pj"] = en.get("total")
            row["energy_parts_pj"] = {k: v for k, v in en.items() if k != "total"}
        if measured is not None and node.name in measured.nodes:
            s = measured.nodes[node.name]
            row |= {"yosys_luts": s.luts, "yosys_ffs": s.ffs, "yosys_dsps": s.dsps, "yosys_carries": s.carries}
        rows.append(row)
    totals: dict[str, Any] = {"op_count": sum(r["op_count"] or 0 for r in rows), "est_luts": est.luts,
                              "est_ffs": est.ffs, "est_dsps": est.dsps, "est_brams": est.brams,
                              "est_lutrams": est.lutrams, "latency": plan.latency,
                              "clocks_per_image": plan.clocks_per_image}
    if energy is not None:
        totals["energy_pj"] = round(sum(r.get("energy_pj") or 0.0 for r in rows), 2)
    if measured is not None and measured.total is not None:
        t = measured.total
        totals |= {"yosys_luts": t.luts, "yosys_ffs": t.ffs, "yosys_dsps": t.dsps, "yosys_carries": t.carries}
    elif measured is not None and measured.nodes:
        # the node modules synthesised one by one: the top adds only wiring and its output register
        # (out_data and out_valid), which holds no logic
        parts = list(measured.nodes.values())
        totals |= {"yosys_luts": sum(s.luts for s in parts), "yosys_dsps": sum(s.dsps for s in parts),
                   "yosys_carries": sum(s.carries for s in parts),
                   "yosys_ffs": sum(s.ffs for s in parts) + sum(v.size * v.type.width for v in graph.output_values) + 1,
                   "yosys_total_from": "the sum of the node modules, plus the top's output register"}
    books = [r["codebook"] for r in rows if r["codebook"]]
    if books:
        totals["codebook_bits"] = sum(b["bits"] for b in books)
        totals["codebook_plain_bits"] = sum(b["plain_bits"] for b in books)
        totals["codebook_saved_percent"] = round(100 * (1 - totals["codebook_bits"] / totals["codebook_plain_bits"]), 1)
        notes = [*notes, CODEBOOK_NOTE]
    return Report(graph.name, rows, totals, list(notes), measured is not None, energy is not None, plan.io)
