"""A crop node as Verilog: wiring only, the kept elements of each row one constant slice."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from hwq.backends.verilog.ops.wiring import WiringView, make_view
from hwq.ir import Node, Value


class CropView(WiringView):
    op: ClassVar[str] = "crop"


def crop_view(node: Node, module: str, inputs: list[Value]) -> CropView:
    shape, cropping = inputs[0].shape, node.attrs["cropping"]
    kept = tuple(slice(lo, n - hi) for n, (lo, hi) in zip(shape, cropping, strict=True))
    src = np.arange(inputs[0].size).reshape(shape)[kept].ravel()
    how = f"{shape} -> {node.output.shape}, [before, after] dropped per axis: {[list(p) for p in cropping]}"
    return make_view(CropView, node, module, inputs, [(0, int(i)) for i in src], [0], how)
