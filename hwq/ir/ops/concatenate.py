"""concatenate: values joined along one axis, each moved exactly onto the output's grid."""

from __future__ import annotations

import numpy as np

from hwq.fixed import Interval
from hwq.fixed.intervals import hull_of
from hwq.ir.op import IRError, Op, axis_of, register
from hwq.ir.ops.align import aligned


@register
class Concatenate(Op):
    name = "concatenate"
    arity = (1, None)
    attrs = ("axis",)
    doc = "y = the inputs joined along `axis` (batch not counted), each cast exactly to the output type"

    def infer_shape(self, node, inputs):
        rank = len(inputs[0].shape)
        axis = axis_of(node, rank)
        off_axis = [d for k, d in enumerate(inputs[0].shape) if k != axis]
        for v in inputs:
            if len(v.shape) != rank or [d for k, d in enumerate(v.shape) if k != axis] != off_axis:
                raise IRError(f"node {node.name!r} (concatenate): shapes "
                              f"{', '.join(str(v.shape) for v in inputs)} differ off axis {axis}")
        shape = list(inputs[0].shape)
        shape[axis] = sum(v.shape[axis] for v in inputs)
        return tuple(shape)

    def bound(self, node, inputs):
        return hull_of([Interval.of_type(v.type) for v in inputs])

    def evaluate(self, node, xs, types):
        out = node.output.type
        return np.concatenate([aligned(x, t, out) for x, t in zip(xs, types, strict=True)], axis=node.attrs["axis"])
