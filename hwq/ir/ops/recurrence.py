"""recurrence: a loop over time whose body is a graph of ordinary ops, with states carried from step to step.

The node reads a sequence x of shape (steps, features). Its `body` is a Graph whose inputs are one row of x,
shape (1, features), then the states; its outputs are the next states, one per state input, each of exactly
its state's type (the carried type is one register, the same at every step). Every state starts at zero. At
step t (t = steps-1 down to 0 with go_backwards) the body reads row t and the states the step before left. The
node's output is state 0 after every step, stacked in processing order (return_sequences), or after the last.
With `time_aligned`, the stacked rows follow the rows read instead (row k: the step that read row k), as Keras'
Bidirectional lines up its backward layer's outputs.

Recurrent layers (QSimpleRNN, QGRU, QLSTM) lower to this op; hwq.passes.unroll turns it into the equivalent
DAG of its steps for the consumers that print or price every step (the Verilog backend, the cost models).
"""

from __future__ import annotations

import numpy as np

from hwq.ir.op import IRError, Op, carrier, register


@register
class Recurrence(Op):
    name = "recurrence"
    attrs = ("body", "go_backwards", "return_sequences", "time_aligned")
    doc = ("y = state 0 after each step of a loop over x's rows (return_sequences) or after the last; the body "
           "graph maps (row, states) to the next states, which start at zero")

    def infer_shape(self, node, inputs):
        body = body_of(node)
        units = body.output_values[0].shape[-1]
        return (inputs[0].shape[0], units) if node.attrs["return_sequences"] else (1, units)

    def infer_type(self, node, inputs):
        return body_of(node).output_values[0].type

    def check(self, node, inputs):
        body = body_of(node)
        body.validate()
        x = inputs[0]
        what = f"node {node.name!r} (recurrence)"
        if len(x.shape) != 2:
            raise IRError(f"{what}: reads {x.shape}; a recurrence reads a sequence (steps, features)")
        row, states = body.inputs[0], body.inputs[1:]
        if row.shape != (1, x.shape[1]) or row.type != x.type:
            raise IRError(f"{what}: its body reads a row {row.shape} {row.type}, but x's rows are (1, {x.shape[1]}) "
                          f"{x.type}")
        nexts = body.output_values
        if not states or len(nexts) != len(states):
            raise IRError(f"{what}: its body has {len(states)} state input(s) and {len(nexts)} output(s); each state "
                          "needs its next value")
        for s, n in zip(states, nexts, strict=True):
            if s.shape != n.shape or s.type != n.type:
                raise IRError(f"{what}: state {s.name!r} is {s.shape} {s.type} but its next value {n.name!r} is "
                              f"{n.shape} {n.type}; a carried state keeps one type")
        if nexts[0].shape[0] != 1:
            raise IRError(f"{what}: state 0 has shape {nexts[0].shape}; the output rows are (1, units)")
        if node.output.type != nexts[0].type:
            raise IRError(f"{what}: output type {node.output.type}, but state 0 is {nexts[0].type}")

    def evaluate(self, node, xs, types):
        from hwq.sim.interpreter import run_graph

        body, x = body_of(node), xs[0]
        batch = x.shape[-1]
        states = [np.zeros((*v.shape, batch), dtype=carrier(v.type)) for v in body.inputs[1:]]
        outputs = []
        for t in time_order(node, x.shape[0]):
            states = run_graph(body, [x[t:t + 1], *states])
            outputs.append(states[0])
        return np.concatenate(sequence_rows(node, outputs), axis=0) if node.attrs["return_sequences"] else outputs[-1]


def body_of(node):
    """The node's body graph."""
    body = node.attrs["body"]
    from hwq.ir.graph import Graph

    if not isinstance(body, Graph):
        raise IRError(f"node {node.name!r} (recurrence): its body is a {type(body).__name__}, not a Graph")
    return body


def time_order(node, steps: int) -> range:
    """The rows in the order the loop reads them."""
    return range(steps - 1, -1, -1) if node.attrs["go_backwards"] else range(steps)


def sequence_rows(node, outputs: list):
    """Each step's output (in processing order) in the order the stacked output holds them."""
    return outputs[::-1] if node.attrs["go_backwards"] and node.attrs["time_aligned"] else outputs
