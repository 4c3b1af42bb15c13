"""Per-node energy from hwq.qtools.graph_energy, when that module is there.

hwq.qtools is optional for the report: without it (or when it cannot price a graph) the report
leaves the energy column out and says why, instead of failing.
"""

from __future__ import annotations

from typing import Any

from hwq.ir import Graph

ENERGY_PARTS = ("inputs", "outputs", "parameters", "op_cost", "total")


def node_energy(graph: Graph) -> tuple[dict[str, dict[str, float]] | None, str]:
    """({node: {part: pJ}}, note); None and the reason when energy is unavailable."""
    try:
        from hwq.qtools import graph_energy
    except ImportError as err:
        return None, f"energy left out: hwq.qtools.graph_energy is not available ({err})"
    try:
        raw: dict[str, dict[str, Any]] = graph_energy(graph)
    except (ValueError, KeyError, NotImplementedError) as err:
        return None, f"energy left out: graph_energy could not price this graph ({err})"
    table = {name: {k: float(v[k]) for k in ENERGY_PARTS if k in v} for name, v in raw.items()}
    return table, "energy: Horowitz 45 nm model (hwq.qtools.graph_energy), pJ per inference"
