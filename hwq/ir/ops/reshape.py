"""reshape: the same elements in row-major order, in a new shape (Flatten and Reshape)."""

from __future__ import annotations

import math

from hwq.ir.op import IRError, register
from hwq.ir.ops.movement import Movement


@register
class Reshape(Movement):
    name = "reshape"
    attrs = ("shape",)
    doc = "y = x with the shape `shape` (batch not counted), elements in row-major order"

    def infer_shape(self, node, inputs):
        shape = node.attrs["shape"]
        if not isinstance(shape, list | tuple) or not all(isinstance(d, int) and d > 0 for d in shape):
            raise IRError(f"node {node.name!r} (reshape): shape {shape!r} must list positive integers")
        if math.prod(shape) != inputs[0].size:
            raise IRError(f"node {node.name!r} (reshape): {inputs[0].shape} has {inputs[0].size} elements, "
                          f"shape {tuple(shape)} {math.prod(shape)}")
        return tuple(shape)

    def evaluate(self, node, xs, types):
        x = xs[0]
        return x.reshape((*node.output.shape, x.shape[-1]))
