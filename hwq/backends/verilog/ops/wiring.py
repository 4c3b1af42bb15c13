"""Shared by the ops that only move bits (reshape, scale, transpose, concatenate): a list of assigns of
constant slices, no logic."""

from __future__ import annotations

from dataclasses import dataclass

from hwq.backends.verilog.ops.base import Assign, NodeView, input_buses, output_bus, wiring
from hwq.ir import Node, Value


@dataclass
class WiringView(NodeView):
    assigns: list[Assign]


def make_view(cls: type[WiringView], node: Node, module: str, inputs: list[Value], sources: list[tuple[int, int]],
              shifts: list[int], how: str) -> WiringView:
    """y's element j is element sources[j][1] of input sources[j][0] (times 2**shifts[input], extended)."""
    ins, out = input_buses(inputs), output_bus(node)
    comment = [f"{node.name}: {node.op}, wiring only: {how}"]
    return cls(module, comment, ins, out, wiring(sources, ins, out, shifts))
