"""The IR verifier: every rule a graph must keep, checked in one place (after building and after every pass).

Generic rules here; each op's own rules in its check(). An op that computes exactly (its bound()
is an interval) must have an output type that holds that interval: an accumulator narrowed by
hand, by a pass or in the JSON is refused with the node's name and the proven bound.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hwq.ir.op import IRError, get_op
from hwq.ir.tensor import IntTensor

if TYPE_CHECKING:
    from hwq.ir.graph import Graph
    from hwq.ir.node import Node
    from hwq.ir.value import Value


def verify(graph: Graph) -> None:
    """Raise IRError at the first broken rule."""
    check_identifier(graph.name)
    values: dict[str, Value] = {}
    for v in graph.inputs:
        _define(values, v, "graph input")
    if not graph.inputs:
        raise IRError(f"graph {graph.name!r} has no inputs")
    node_names: set[str] = set()
    for node in graph.nodes:
        check_identifier(node.name)
        if node.name in node_names:
            raise IRError(f"node name {node.name!r} is used twice")
        node_names.add(node.name)
        verify_node(node, values)
        _define(values, node.output, f"node {node.name!r}")
    _check_outputs(graph, values)


def verify_node(node: Node, values: dict[str, Value]) -> None:
    """One node against the values defined before it."""
    op = get_op(node.op)
    lo, hi = op.arity
    n = len(node.inputs)
    if n < lo or (hi is not None and n > hi):
        want = str(lo) if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
        raise IRError(f"node {node.name!r} ({node.op}) takes {want} input(s), got {n}")
    for name in node.inputs:
        if name not in values:
            raise IRError(f"node {node.name!r} reads {name!r}, which no earlier node or input defines")
    inputs = [values[name] for name in node.inputs]
    _check_carried(node, op)
    shape = op.infer_shape(node, inputs)
    if tuple(node.output.shape) != tuple(shape):
        raise IRError(f"node {node.name!r} ({node.op}): output shape {node.output.shape}, but its inputs make "
                      f"{shape}")
    bound = op.bound(node, inputs)
    if bound is not None and not bound.fits(node.output.type):
        what = "accumulator" if "accumulator" in op.annotations else "output type"
        raise IRError(f"node {node.name!r} ({node.op}): {what} {node.output.type} is narrower than the proven bound "
                      f"{bound.fitting_type()} (results in {bound})")
    op.check(node, inputs)


def _check_carried(node: Node, op) -> None:
    for p in op.params:
        if p not in node.params:
            raise IRError(f"node {node.name!r} ({node.op}) lacks parameter {p!r}")
    for p, tensor in node.params.items():
        if p not in op.params + op.optional_params:
            raise IRError(f"node {node.name!r} ({node.op}) has unexpected parameter {p!r}")
        if not isinstance(tensor, IntTensor):
            raise IRError(f"node {node.name!r} ({node.op}): parameter {p!r} is not an IntTensor")
    for a in op.attrs + op.annotations:
        if a not in node.attrs:
            raise IRError(f"node {node.name!r} ({node.op}) lacks attribute {a!r} (run the analysis passes)")


def _define(values: dict[str, Value], v: Value, by: str) -> None:
    check_identifier(v.name)
    if v.name in values:
        raise IRError(f"value {v.name!r} is defined twice (again by {by})")
    if not v.shape or not all(isinstance(d, int) and d > 0 for d in v.shape):
        raise IRError(f"value {v.name!r} has shape {v.shape}; a value has at least one dimension (a scalar is "
                      "shape (1,)), each a positive integer")
    values[v.name] = v


def _check_outputs(graph: Graph, values: dict[str, Value]) -> None:
    if not graph.outputs:
        raise IRError(f"graph {graph.name!r} has no outputs")
    inputs = {v.name for v in graph.inputs}
    for o in graph.outputs:
        if o not in values:
            raise IRError(f"output {o!r} is not defined by any node")
        if o in inputs:
            raise IRError(f"output {o!r} is a graph input; an output must be computed by a node")
    if len(set(graph.outputs)) != len(graph.outputs):
        raise IRError(f"graph {graph.name!r} lists an output twice: {graph.outputs}")


def check_identifier(label: str) -> None:
    """Names reach C++ and Verilog as they are: ASCII identifiers only (hwq.ir.legal_identifier makes them)."""
    if not (isinstance(label, str) and label.isascii() and label.isidentifier()):
        raise IRError(f"{label!r} is not a legal ASCII identifier; build names with hwq.ir.legal_identifier")
