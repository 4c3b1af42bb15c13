"""Pass: every recurrence node replaced by its steps, a DAG of the body's ops copied once per step.

For the consumers that build or price every step apart: the Verilog backend (one inference per clock, so each
step is its own circuit) and the cost models. Step t reads its row of the sequence (a crop) and the states step
t-1 left; the first step reads zero states, each a zero of its state's type (a dense node over a zero kernel,
cast to the type: both fold away in synthesis, and the step keeps the body's types, so its tables still apply).
The node's output keeps its name: the steps' outputs stacked (return_sequences) or the last one.
"""

from __future__ import annotations

import copy

import numpy as np

from hwq.fixed import FixedType
from hwq.ir import Graph, IntTensor, Node, Value, legal_identifier
from hwq.ir.build import make_node
from hwq.ir.ops.kernel import multiplier_kind
from hwq.ir.ops.recurrence import body_of, sequence_rows, time_order


def unroll_recurrences(graph: Graph) -> Graph:
    if not any(n.op == "recurrence" for n in graph.nodes):
        return graph
    taken = {n.name for n in graph.nodes} | set(graph.values())
    values = graph.values()
    nodes: list[Node] = []
    for node in graph.nodes:
        nodes += _steps(node, values[node.inputs[0]], taken) if node.op == "recurrence" else [node]
    return Graph(graph.name, graph.inputs, nodes, graph.outputs, graph.meta)


def _steps(node: Node, x: Value, taken: set[str]) -> list[Node]:
    body = body_of(node)
    steps = x.shape[0]
    out: list[Node] = []

    def fresh(base: str) -> str:
        return legal_identifier(base, taken)

    def emit(n: Node) -> Value:
        out.append(n)
        return n.output

    states: list[Value] | None = None
    outputs: list[Value] = []
    for t in time_order(node, steps):
        row = emit(make_node("crop", fresh(f"{node.name}_t{t}_x"), [x], fresh(f"{node.name}_t{t}_x_out"),
                             {"cropping": [[t, steps - 1 - t], [0, 0]]}))
        if states is None:
            states = [emit_zero(emit, fresh, f"{node.name}_{s.name}_zero", row, s) for s in body.inputs[1:]]
        env = {v.name: w for v, w in zip(body.inputs, [row, *states], strict=True)}
        for b in body.nodes:
            copied = Node(fresh(f"{b.name}_t{t}"), b.op, [env[name].name for name in b.inputs],
                          Value(fresh(f"{b.output.name}_t{t}"), b.output.shape, b.output.type),
                          copy.deepcopy(b.attrs), dict(b.params))
            env[b.output.name] = emit(copied)
        states = [env[name] for name in body.outputs]
        outputs.append(states[0])
    rows = sequence_rows(node, outputs)
    if node.attrs["return_sequences"]:
        last = Node(node.name, "concatenate", [v.name for v in rows], node.output, {"axis": 0})
    else:
        last = Node(node.name, "reshape", [outputs[-1].name], node.output, {"shape": list(node.output.shape)})
    return [*out, last]


def emit_zero(emit, fresh, base: str, like: Value, state: Value) -> Value:
    """A zero of `state`'s shape and type, computed from `like` (any row): like @ 0, cast to the type."""
    zero_kernel = IntTensor(np.zeros((like.shape[-1], state.shape[-1]), dtype=np.int64), FixedType(1, 1))
    attrs = {"multiplier": multiplier_kind(zero_kernel)}
    zero = emit(make_node("dense", fresh(base), [like], fresh(f"{base}_sum"), attrs, {"kernel": zero_kernel}))
    return emit(make_node("quantize", fresh(f"{base}_cast"), [zero], fresh(f"{base}_out"), out_type=state.type))
