"""conv: a rank-generic convolution (1 or 2 spatial axes), channels last, with groups (depthwise: groups = cin).

y[o, j] = bias[j] + sum over taps t and the input channels c of j's group of
          x_padded[o * stride + t * dilation, c] * kernel[t, c, j]
exact in the accumulator type, as dense is. The kernel is (*taps, cin / groups, cout); output channel j
belongs to group j // (cout / groups), which reads input channels [g * cin/groups, (g+1) * cin/groups).
"""

from __future__ import annotations

import math

import numpy as np

from hwq.fixed.carrier import as_carrier, shift_left
from hwq.ir.op import IRError, register
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

    def position_matrix(self, node):
        """One window's matrix: row (tap, input channel), taps row-major; column output channel; zero outside
        an output channel's group. (taps * cin, cout)."""
        kernel, groups = node.params["kernel"], node.attrs["groups"]
        cin_g, cout = kernel.shape[-2], kernel.shape[-1]
        cout_g = cout // groups
        taps = kernel.mantissa.reshape(-1, cin_g, cout)
        matrix = np.zeros((len(taps), cin_g * groups, cout), dtype=object)
        for g in range(groups):
            matrix[:, g * cin_g:(g + 1) * cin_g, g * cout_g:(g + 1) * cout_g] = \
                taps[:, :, g * cout_g:(g + 1) * cout_g]
        return matrix.reshape(-1, cout)

    def op_count(self, node):
        return math.prod(node.output.shape) * math.prod(node.params["kernel"].shape[:-2]) * \
            node.params["kernel"].shape[-2]  # every output sums taps x (input channels of its group) products

    def evaluate(self, node, xs, types):
        (x,), (x_type,) = xs, types
        acc, kernel, groups = node.output.type, node.params["kernel"], node.attrs["groups"]
        window = conv_window(node)
        out = node.output.shape[:-1]
        dtype = self.sum_carrier(node, x_type)
        k = shift_left(as_carrier(kernel.mantissa, dtype), acc.frac - x_type.frac - kernel.type.frac)
        # C order, batch last in memory: the taps are then contiguous slices (simulate's inputs and dense outputs
        # come sample-major, and gathering taps across samples cost conv1 of the MNIST CNN 5x its GEMM)
        padded = np.ascontiguousarray(window.padded(as_carrier(x, dtype), 0))
        if groups == x.shape[-2] and groups > 1:
            y = _depthwise(window, padded, k, out)
        else:
            y = np.concatenate([_grouped(window, padded, k, out, groups, g) for g in range(groups)], axis=-2)
        if "bias" in node.params:
            b = node.params["bias"]
            y += shift_left(as_carrier(b.mantissa, dtype), acc.frac - b.type.frac)[:, None]
        return self.sum_result(y, acc)


# The evaluation is exact in any order (magnitude_bits bounds every partial sum); these pick the fastest order.
SMALL_CONTRACTION = 24  # taps x channels at most this: one small GEMM per position beats one big im2col GEMM


def _grouped(window: Window, padded: np.ndarray, k: np.ndarray, out: tuple[int, ...], groups: int,
             g: int) -> np.ndarray:
    """Group g's output channels, (*out, cout_g, batch)."""
    cin_g, cout_g = k.shape[-2], k.shape[-1] // groups
    x = padded[..., g * cin_g:(g + 1) * cin_g, :]
    kg = k[..., g * cout_g:(g + 1) * cout_g].reshape(window.taps * cin_g, cout_g).T  # (cout_g, taps * cin_g)
    batch, positions = x.shape[-1], math.prod(out)
    if window.taps * cin_g <= SMALL_CONTRACTION:
        # (positions, taps * cin_g, batch): a batched GEMM whose result is already laid out (*out, cout, batch)
        stacked = np.stack(list(window.taps_of(x, out)), axis=len(out))  # (*out, taps, cin_g, batch)
        y = np.matmul(kg, stacked.reshape(positions, window.taps * cin_g, batch))
        return y.reshape(*out, cout_g, batch)
    # im2col with the contraction first, (taps, cin_g, *out, batch): one GEMM over (positions, batch)
    cols = np.empty((window.taps, cin_g, *out, batch), dtype=x.dtype)
    for t, view in enumerate(window.taps_of(x, out)):
        cols[t] = np.moveaxis(view, -2, 0)
    y = kg @ cols.reshape(window.taps * cin_g, -1)  # (cout_g, positions * batch)
    return np.moveaxis(y.reshape(cout_g, *out, batch), 0, -2)


def _depthwise(window: Window, padded: np.ndarray, k: np.ndarray, out: tuple[int, ...]) -> np.ndarray:
    """groups = channels: per tap, every channel times its multiplier's weights, accumulated elementwise."""
    channels = padded.shape[-2]
    multiplier = k.shape[-1] // channels
    weights = k.reshape(window.taps, channels, multiplier)
    y = None
    for t, view in enumerate(window.taps_of(padded, out)):
        term = view[..., :, None, :] * weights[t][..., None]  # (*out, channels, multiplier, batch)
        y = term if y is None else y + term
    return y.reshape(*out, channels * multiplier, padded.shape[-1])
