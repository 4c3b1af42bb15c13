"""The Verilog stream stages' per-position nodes (hwq.ir.local): a pixel as (1, ..., 1, channels), a window as
the taps hwq_window gathers (dilation 1)."""

from __future__ import annotations

from hwq.ir import Node, Value
from hwq.ir.local import local_node as _local_node
from hwq.ir.local import window_of


def local_node(node: Node, kind: str, inputs: list[Value]) -> tuple[Node, list[Value]]:
    return _local_node(node, kind, inputs, keep_rank=True, gathered=True)


__all__ = ["local_node", "window_of"]
