"""What a stage computes at one position, as a node the op printers (hwq.backends.hls.ops) print unchanged.

A stream stage never prints arithmetic of its own: it hands the op printers the same node (op, attributes,
parameters, types) over values of the shape one position sees, so every stage computes exactly the code the
parallel top computes, once per position.

- pixel: each input pixel is a value of shape (channels,), the output likewise; a channel concatenation joins
  along axis 0, a dense or affine works on the last (only) axis.
- window: the input is the window the stage keeps, (*reach, channels) with reach = (size - 1) * dilation + 1
  per spatial axis, already padded (the stage injected the pad pixels); the node reads it with no padding and
  stride 1, its dilation kept, and makes one output position, (1, ..., 1, channels).
"""

from __future__ import annotations

from hwq.ir import IRError, Node, Value, get_op
from hwq.ir.ops.windows import Window


def pixel_node(node: Node, inputs: list[Value]) -> tuple[Node, list[Value]]:
    ins = [Value(v.name, (v.shape[-1],), v.type) for v in inputs]
    attrs = dict(node.attrs)
    if node.op == "concatenate":
        attrs["axis"] = 0
    out = Value(node.output.name, (node.output.shape[-1],), node.output.type)
    return _checked(node, Node(node.name, node.op, list(node.inputs), out, attrs, dict(node.params)), ins)


def window_node(node: Node, x: Value, window: Window) -> tuple[Node, list[Value]]:
    rank = window.rank
    ins = [Value(x.name, (*reach(window), x.shape[-1]), x.type)]
    attrs = dict(node.attrs, strides=[1] * rank, padding=[[0, 0]] * rank)
    out = Value(node.output.name, (1,) * rank + (node.output.shape[-1],), node.output.type)
    return _checked(node, Node(node.name, node.op, list(node.inputs), out, attrs, dict(node.params)), ins)


def reach(window: Window) -> tuple[int, ...]:
    """Input positions the window spans along each spatial axis."""
    return tuple((k - 1) * d + 1 for k, d in zip(window.size, window.dilation, strict=True))


def _checked(node: Node, local: Node, ins: list[Value]) -> tuple[Node, list[Value]]:
    shape = tuple(get_op(local.op).infer_shape(local, ins))
    if shape != local.output.shape:  # the per-position node must mean what the node means at one position
        raise IRError(f"node {node.name!r} ({node.op}): its per-position form has shape {shape}, expected "
                      f"{local.output.shape}; this is a bug in hwq's HLS stream printer")
    return local, ins
