"""The HLS stream stages' per-position nodes (hwq.ir.local): a pixel as a flat (channels,) array, a window
with its full reach kept (the stage's window registers hold every position it spans)."""

from __future__ import annotations

from hwq.ir import Node, Value
from hwq.ir import local as shared
from hwq.ir.local import reach
from hwq.ir.ops.windows import Window


def pixel_node(node: Node, inputs: list[Value]) -> tuple[Node, list[Value]]:
    return shared.pixel_node(node, inputs, keep_rank=False)


def window_node(node: Node, x: Value, window: Window) -> tuple[Node, list[Value]]:
    """`window` is the node's own (hwq.ir.local.window_of), passed by the caller that already has it."""
    return shared.window_node(node, x, gathered=False)


__all__ = ["pixel_node", "window_node", "reach"]
