"""Pass: give every exactly computing node the narrowest type that holds its proven range.

Walks the graph in order, so a re-sized accumulator re-sizes what reads it (a relu, an add, a
reshape) too; then each op writes its annotations (a dense node its accumulator and the bound on
its partial sums). Casts (quantize) and tables keep the types they were given: those are choices.
"""

from __future__ import annotations

from dataclasses import replace

from hwq.ir import Graph, get_op


def size_accumulators(graph: Graph) -> Graph:
    values = {v.name: v for v in graph.inputs}
    for node in graph.nodes:
        op = get_op(node.op)
        inputs = [values[name] for name in node.inputs]
        if op.bound(node, inputs) is not None:
            node.output = replace(node.output, type=op.infer_type(node, inputs))
        op.annotate(node, inputs)
        values[node.output.name] = node.output
    return graph
