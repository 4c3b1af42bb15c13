"""What a stage computes at one position, as a node the parallel views can print.

A pixel stage computes its node on one pixel, a window stage on one window: the same op, attributes and
parameters, over values of the per-position shape. So the arithmetic of every op is printed by the one
table of views (hwq.backends.verilog.ops.VIEWS), never a second time for streams:

- pixel: every input (*grid, c) becomes (1, ..., 1, c), the output likewise (a dense over the channel axis,
  an add, a channel concatenation keep their meaning: the axis is still the last one);
- window: the input becomes the window hwq_window offers, (*taps, c) in row-major tap order, read with no
  padding, stride 1 and dilation 1 (the primitive has already gathered the dilated taps and injected the
  padding), and the output one position (1, ..., 1, cout);
- vector and collect: the node itself, on whole values.
"""

from __future__ import annotations

from hwq.ir import Node, Value
from hwq.ir.op import get_op
from hwq.ir.ops.conv import conv_window
from hwq.ir.ops.pool import pool_window
from hwq.ir.ops.windows import Window


def window_of(node: Node) -> Window:
    return conv_window(node) if node.op == "conv" else pool_window(node)


def local_node(node: Node, kind: str, inputs: list[Value]) -> tuple[Node, list[Value]]:
    """The node and input values a stage of `kind` computes at one of its positions."""
    if kind in ("vector", "collect"):
        return node, inputs
    out = node.output
    if kind == "pixel":
        ins = [_one_position(v) for v in inputs]
        local = Node(node.name, node.op, list(node.inputs), _one_position(out), dict(node.attrs), dict(node.params))
    elif kind == "window":
        window = window_of(node)
        rank = window.rank
        ins = [Value(inputs[0].name, (*window.size, inputs[0].shape[-1]), inputs[0].type)]
        attrs = dict(node.attrs, strides=[1] * rank, padding=[[0, 0]] * rank)
        if "dilation" in attrs:
            attrs["dilation"] = [1] * rank
        local = Node(node.name, node.op, list(node.inputs), _one_position(out), attrs, dict(node.params))
    else:
        raise ValueError(f"node {node.name!r}: a {kind} stage has no arithmetic to print")
    shape = get_op(local.op).infer_shape(local, ins)
    if tuple(shape) != local.output.shape:  # the per-position node must mean what the node means there
        raise AssertionError(f"node {node.name!r}: per-position shape {shape}, expected {local.output.shape}")
    return local, ins


def _one_position(v: Value) -> Value:
    """v at one position of its grid: (1, ..., 1, channels)."""
    return Value(v.name, (1,) * (len(v.shape) - 1) + (v.shape[-1],), v.type)
