"""conv: a rank-generic convolution (1 or 2 spatial axes), channels last, with groups (depthwise: groups = cin).

y[o, j] = bias[j] + sum over taps t and the input channels c of j's group of
          x_padded[o * stride + t * dilation, c] * kernel[t, c, j]
exact in the accumulator type, as dense is. The kernel is (*taps, cin / groups, cout); output channel j
belongs to group j // (cout / groups), which reads input channels [g * cin/groups, (g+1) * cin/groups).
"""

from __future__ import annotations

import math

import numpy as np

from hwq.fixed.carrier import as_carrier, fastest_carrier, shift_left
from hwq.ir.op import IRError, carrier, register
from hwq.ir.ops.kernel import KernelOp
from hwq.ir.ops.windows import Window, window_of

RANKS = (1, 2)


def conv_window(node) -> Window:
    kernel = node.params["kernel"]
    return window_of(node, tuple(kernel.shape[:-2]))


@register
class Conv(KernelOp):
    name = "conv"
    attrs = ("strides", "padding", "groups")  # and dilation, optional (1 per axis)
    doc = "a convolution over 1 or 2 spatial axes, channels last, grouped, exact in the accumulator type"

    def infer_shape(self, node, inputs):
        x, kernel = inputs[0], node.params["kernel"]
        rank = len(kernel.shape) - 2
        groups = node.attrs["groups"]
        if rank not in RANKS or len(x.shape) != rank + 1:
            raise IRError(f"node {node.name!r} (conv): kernel {kernel.shape} over input {x.shape}; a conv has 1 or "
                          "2 spatial axes, kernel (*taps, cin / groups, cout) and input (*spatial, cin)")
        cin, cout = x.shape[-1], kernel.shape[-1]
        if not isinstance(groups, int) or groups < 1 or cin % groups or cout % groups or \
                kernel.shape[-2] * groups != cin:
            raise IRError(f"node {node.name!r} (conv): {groups!r} groups do not split {cin} input channels "
                          f"(kernel {kernel.shape}) and {cout} output channels evenly")
        self.check_bias(node, cout)
        return (*conv_window(node).output_shape(node, x.shape[:-1]), cout)

    def op_count(self, node):
        return math.prod(node.output.shape) * math.prod(node.params["kernel"].shape[:-2]) * \
            node.params["kernel"].shape[-2]  # every output sums taps x (input channels of its group) products

    def evaluate(self, node, xs, types):
        (x,), (x_type,) = xs, types
        acc, kernel, groups = node.output.type, node.params["kernel"], node.attrs["groups"]
        window = conv_window(node)
        out = node.output.shape[:-1]
        # magnitude_bits bounds every partial sum in any order, so BLAS in a float carrier is exact
        dtype = fastest_carrier(max(node.attrs["magnitude_bits"], acc.width, x_type.width))
        k = shift_left(as_carrier(kernel.mantissa, dtype), acc.frac - x_type.frac - kernel.type.frac)
        padded = window.padded(as_carrier(x, dtype), 0)
        cin_g, cout_g = kernel.shape[-2], kernel.shape[-1] // groups
        k = k.reshape(window.taps * cin_g, kernel.shape[-1])
        batch = x.shape[-1]
        parts = []
        for g in range(groups):
            # im2col with the contraction first: (taps, cin_g, *out, batch), so one GEMM over (positions, batch)
            cols = np.empty((window.taps, cin_g, *out, batch), dtype=dtype)
            for t, view in enumerate(window.taps_of(padded[..., g * cin_g:(g + 1) * cin_g, :], out)):
                cols[t] = np.moveaxis(view, -2, 0)
            kg = k[:, g * cout_g:(g + 1) * cout_g].T  # (cout_g, taps * cin_g)
            parts.append(kg @ cols.reshape(window.taps * cin_g, -1))  # (cout_g, positions * batch)
        y = np.concatenate(parts, axis=0) if groups > 1 else parts[0]
        if "bias" in node.params:
            b = node.params["bias"]
            y += shift_left(as_carrier(b.mantissa, dtype), acc.frac - b.type.frac)[:, None]
        y = np.ascontiguousarray(np.moveaxis(y.reshape(kernel.shape[-1], *out, batch), 0, -2))
        return as_carrier(y, carrier(acc))
