"""A transpose node as Verilog: every output element is one constant slice of the input."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from hwq.backends.verilog.ops.wiring import WiringView, make_view
from hwq.ir import Node, Value


class TransposeView(WiringView):
    op: ClassVar[str] = "transpose"


def transpose_view(node: Node, module: str, inputs: list[Value]) -> TransposeView:
    perm = node.attrs["perm"]
    # the input's row-major indices, moved the way the values move: output position j holds input element src[j]
    src = np.arange(inputs[0].size).reshape(inputs[0].shape).transpose(perm).ravel()
    how = f"{inputs[0].shape} -> {node.output.shape}, output axis k is input axis perm[k], perm = {list(perm)}"
    return make_view(TransposeView, node, module, inputs, [(0, int(i)) for i in src], [0], how)
