"""Ordered lists of passes, one per target, each pass followed by the IR verifier.

A pass takes a graph and returns it (changed in place or rebuilt). The lists are plain data: a
target that needs another rewrite (shift-add multipliers for Verilog, line buffers for streaming)
adds its pass to its own list.
"""

from __future__ import annotations

from collections.abc import Callable

from hwq.ir import Graph, IRError
from hwq.passes.choose_multipliers import choose_multipliers
from hwq.passes.constant_form import shift_add_constants
from hwq.passes.size_accumulators import size_accumulators
from hwq.passes.unroll import unroll_recurrences

Pass = Callable[[Graph], Graph]

LOWERING: list[Pass] = [size_accumulators, choose_multipliers]

PIPELINES: dict[str, list[Pass]] = {
    "lower": LOWERING,  # what lower() runs on the graph it builds
    "vitis": [],  # what each backend runs on a lowered graph before printing it
    "catapult": [],
    "verilog": [unroll_recurrences, shift_add_constants],
}


def run_passes(graph: Graph, passes: list[Pass]) -> Graph:
    """Run `passes` in order and verify the graph after each; an IRError names the pass that broke it."""
    for p in passes:
        graph = _on_bodies_then(p, graph)
        try:
            graph.validate()
        except IRError as err:
            raise IRError(f"after pass {p.__name__}: {err}") from err
    return graph


def _on_bodies_then(p: Pass, graph: Graph) -> Graph:
    """p over every loop body of graph (a recurrence's), then over graph: a pass reaches every node."""
    for node in graph.nodes:
        if node.op == "recurrence":
            node.attrs["body"] = _on_bodies_then(p, node.attrs["body"])
    return p(graph)


def run_pipeline(graph: Graph, target: str) -> Graph:
    try:
        passes = PIPELINES[target]
    except KeyError:
        raise ValueError(f"no pass pipeline for {target!r}; known: {', '.join(PIPELINES)}") from None
    return run_passes(graph, passes)
