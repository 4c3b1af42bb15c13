"""A pad node as Verilog: wiring only, each row of the input one constant slice, the padding zero constants."""

from __future__ import annotations

from typing import ClassVar

from hwq.backends.verilog.ops.window import pad_sources
from hwq.backends.verilog.ops.wiring import WiringView, make_view
from hwq.ir import Node, Value
from hwq.ir.ops.padding import interior_of


class PadView(WiringView):
    op: ClassVar[str] = "pad"


def pad_view(node: Node, module: str, inputs: list[Value]) -> PadView:
    padding = [tuple(p) for p in node.attrs["padding"]]
    gaps = interior_of(node, len(inputs[0].shape))
    how = f"{inputs[0].shape} -> {node.output.shape}, zeros around each axis: {[list(p) for p in padding]}" + \
        (f", and {gaps} between neighbours" if any(gaps) else "")
    return make_view(PadView, node, module, inputs, pad_sources(inputs[0].shape, padding, gaps), [0], how)
