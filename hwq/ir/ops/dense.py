"""dense: y[..., j] = bias[j] + sum_i x[..., i] * kernel[i, j] over the last axis, exact in the accumulator type."""

from __future__ import annotations

from hwq.fixed.carrier import as_carrier, fastest_carrier, shift_left
from hwq.ir.op import IRError, carrier, register
from hwq.ir.ops.kernel import KernelOp


@register
class Dense(KernelOp):
    name = "dense"
    doc = "y[..., j] = bias[j] + sum_i x[..., i] * kernel[i, j] over the last axis, exact in the accumulator type"

    def infer_shape(self, node, inputs):
        x, kernel = inputs[0], node.params["kernel"]
        if len(kernel.shape) != 2 or not x.shape or x.shape[-1] != kernel.shape[0]:
            raise IRError(f"node {node.name!r} (dense): kernel {kernel.shape} does not fit input shape {x.shape}")
        self.check_bias(node, kernel.shape[1])
        return (*x.shape[:-1], kernel.shape[1])

    def op_count(self, node):
        kernel = node.params["kernel"]
        return kernel.shape[0] * node.output.size  # every output sums one product per input

    def evaluate(self, node, xs, types):
        (x,), (x_type,) = xs, types
        acc = node.output.type
        kernel = node.params["kernel"]
        # magnitude_bits bounds every partial sum in any summation order, so BLAS in a float carrier is exact
        dtype = fastest_carrier(max(node.attrs["magnitude_bits"], acc.width, x_type.width))
        k = shift_left(as_carrier(kernel.mantissa.T, dtype), acc.frac - x_type.frac - kernel.type.frac)
        y = k @ as_carrier(x, dtype)  # (n_out, n_in) @ (*lead, n_in, batch) -> (*lead, n_out, batch)
        if "bias" in node.params:
            b = node.params["bias"]
            y += shift_left(as_carrier(b.mantissa, dtype), acc.frac - b.type.frac)[:, None]
        return as_carrier(y, carrier(acc))
