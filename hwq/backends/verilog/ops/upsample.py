"""An upsample node as Verilog: wiring only, every output element a copy of its nearest input element (runs of
consecutive input elements, e.g. one pixel's channels, one constant slice each)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from hwq.backends.verilog.ops.wiring import WiringView, make_view
from hwq.ir import Node, Value


class UpsampleView(WiringView):
    op: ClassVar[str] = "upsample"


def upsample_view(node: Node, module: str, inputs: list[Value]) -> UpsampleView:
    size = node.attrs["size"]
    src = np.arange(inputs[0].size).reshape(inputs[0].shape)
    for axis, k in enumerate(size):
        src = np.repeat(src, k, axis=axis)
    how = f"{inputs[0].shape} -> {node.output.shape}, each element repeated {list(size)} times along the axes"
    return make_view(UpsampleView, node, module, inputs, [(0, int(i)) for i in src.ravel()], [0], how)
