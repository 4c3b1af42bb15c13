"""A node at one position of a stream stage: the same op, attributes and parameters over values of the shape
one position sees, so that every backend prints (and every cost model prices) a stream stage's arithmetic
with the one per-op table it uses for whole values, never a second time.

- pixel: each input (*grid, c) becomes one pixel, the output likewise (a dense, an add, a channel
  concatenation keep their meaning: the channel axis is still the last one);
- window: the input becomes the window the stage keeps, already padded (the stage injects the pad pixels),
  read with no padding and stride 1, and the output one position. A stage may keep the window's full reach
  ((size - 1) * dilation + 1 per spatial axis; the node keeps its dilation) or only the gathered taps
  (size per axis; the node reads them with dilation 1).
- vector and collect: the node itself, on whole values.
"""

from __future__ import annotations

from hwq.ir.node import Node
from hwq.ir.op import IRError, get_op
from hwq.ir.ops.conv import conv_window
from hwq.ir.ops.pool import pool_window
from hwq.ir.ops.windows import Window
from hwq.ir.value import Value


def window_of(node: Node) -> Window:
    """The window of a conv or pool node."""
    return conv_window(node) if node.op == "conv" else pool_window(node)


def reach(window: Window) -> tuple[int, ...]:
    """Input positions the window spans along each spatial axis."""
    return tuple((k - 1) * d + 1 for k, d in zip(window.size, window.dilation, strict=True))


def pixel_node(node: Node, inputs: list[Value], keep_rank: bool = True) -> tuple[Node, list[Value]]:
    """The node on one pixel: values of shape (1, ..., 1, c), or (c,) when keep_rank is False."""
    ins = [_one_position(v, keep_rank) for v in inputs]
    attrs = dict(node.attrs)
    if node.op == "concatenate":
        attrs["axis"] = len(ins[0].shape) - 1
    local = Node(node.name, node.op, list(node.inputs), _one_position(node.output, keep_rank), attrs,
                 dict(node.params))
    return _checked(node, local, ins)


def window_node(node: Node, x: Value, gathered: bool = False) -> tuple[Node, list[Value]]:
    """The node on one window of x: its full reach (dilation kept), or its gathered taps (dilation 1)."""
    window = window_of(node)
    rank = window.rank
    extent = window.size if gathered else reach(window)
    ins = [Value(x.name, (*extent, x.shape[-1]), x.type)]
    attrs = dict(node.attrs, strides=[1] * rank, padding=[[0, 0]] * rank)
    if gathered and "dilation" in attrs:
        attrs["dilation"] = [1] * rank
    return _checked(node, Node(node.name, node.op, list(node.inputs), _one_position(node.output, True), attrs,
                               dict(node.params)), ins)


def local_node(node: Node, kind: str, inputs: list[Value], keep_rank: bool = True,
               gathered: bool = False) -> tuple[Node, list[Value]]:
    """The node and input values a stage of `kind` computes at one of its positions."""
    if kind in ("vector", "collect"):
        return node, inputs
    if kind == "pixel":
        return pixel_node(node, inputs, keep_rank)
    if kind == "window":
        return window_node(node, inputs[0], gathered)
    raise ValueError(f"node {node.name!r}: a {kind} stage has no arithmetic of its own")


def _one_position(v: Value, keep_rank: bool) -> Value:
    shape = (1,) * (len(v.shape) - 1) + (v.shape[-1],) if keep_rank else (v.shape[-1],)
    return Value(v.name, shape, v.type)


def _checked(node: Node, local: Node, ins: list[Value]) -> tuple[Node, list[Value]]:
    """The per-position node, its shape checked and its annotations (op counts) for one position."""
    op = get_op(local.op)
    shape = tuple(op.infer_shape(local, ins))
    if shape != local.output.shape:  # the per-position node must mean what the node means at one position
        raise IRError(f"node {node.name!r} ({node.op}): its per-position form has shape {shape}, expected "
                      f"{local.output.shape}; this is a bug in hwq's stream printing")
    op.annotate(local, ins)
    return local, ins
