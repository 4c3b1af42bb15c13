"""A concatenate node as Verilog: every output element is one input element, moved exactly onto the
output's type (its fraction bits appended as zeros, sign or zero bits on top): constant slices only."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from hwq.backends.verilog.ops.wiring import WiringView, make_view
from hwq.ir import Node, Value


class ConcatenateView(WiringView):
    op: ClassVar[str] = "concatenate"


def concatenate_view(node: Node, module: str, inputs: list[Value]) -> ConcatenateView:
    axis, out = node.attrs["axis"], node.output.type
    # label every input element with (input, row-major index), join the labels as the op joins values
    labels = [np.stack(np.broadcast_arrays(k, np.arange(v.size).reshape(v.shape)), axis=-1)
              for k, v in enumerate(inputs)]
    joined = np.concatenate(labels, axis=axis).reshape(-1, 2)
    shifts = [out.frac - v.type.frac for v in inputs]
    how = f"{len(inputs)} input(s) joined along axis {axis}, each aligned to {out.frac} fraction bits"
    return make_view(ConcatenateView, node, module, inputs, [(int(k), int(i)) for k, i in joined], shifts, how)
