"""Pass: the hardware unit that multiplies an input by a weight (qtools' names), for every dense node.

A kind the frontend declared from the weights' quantizer (a power-of-two quantizer means shifts)
is kept; the verifier checks that it fits the weights. Nodes without one get it from the weights
(hwq.ir.ops.kernel.multiplier_kind).
"""

from __future__ import annotations

from hwq.ir import Graph, get_op
from hwq.ir.ops.kernel import multiplier_kind


def choose_multipliers(graph: Graph) -> Graph:
    """Every node whose op carries a multiplier kind over a constant kernel (dense today) gets one."""
    for node in graph.nodes:
        if "multiplier" in get_op(node.op).annotations and "multiplier" not in node.attrs:
            node.attrs["multiplier"] = multiplier_kind(node.params["kernel"])
    return graph
