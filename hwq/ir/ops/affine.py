"""affine: y[..., c] = bias[c] + x[..., c] * kernel[c], per channel (the last axis), exact.

A batch normalization whose constants are fixed point, or an average's constant 1/area: a per-channel
product and offset, which is a kernel op with one product per output (its bound, accumulator and
multiplier rules are dense's).
"""

from __future__ import annotations

import numpy as np

from hwq.fixed.carrier import as_carrier, shift_left
from hwq.ir.op import IRError, register
from hwq.ir.ops.kernel import KernelOp


@register
class Affine(KernelOp):
    name = "affine"
    doc = "y[..., c] = bias[c] + x[..., c] * kernel[c] over the last axis, exact in the accumulator type"

    def position_matrix(self, node):
        kernel = node.params["kernel"].mantissa
        matrix = np.zeros((kernel.size, kernel.size), dtype=object)
        np.fill_diagonal(matrix, [int(v) for v in kernel])
        return matrix

    def columns(self, node):
        return node.params["kernel"].mantissa.reshape(1, -1)  # one product per output

    def infer_shape(self, node, inputs):
        x, kernel = inputs[0], node.params["kernel"]
        if len(kernel.shape) != 1 or kernel.shape[0] != x.shape[-1]:
            raise IRError(f"node {node.name!r} (affine): kernel {kernel.shape} does not give one weight per channel "
                          f"of {x.shape}")
        self.check_bias(node, kernel.shape[0])
        return x.shape

    def op_count(self, node):
        return node.output.size

    def evaluate(self, node, xs, types):
        (x,), (x_type,) = xs, types
        acc, kernel = node.output.type, node.params["kernel"]
        dtype = self.sum_carrier(node, x_type)
        k = shift_left(as_carrier(kernel.mantissa, dtype), acc.frac - x_type.frac - kernel.type.frac)
        y = as_carrier(x, dtype) * k[:, None]  # channels are the axis before the batch
        if "bias" in node.params:
            b = node.params["bias"]
            y += shift_left(as_carrier(b.mantissa, dtype), acc.frac - b.type.frac)[:, None]
        return self.sum_result(y, acc)
