"""Independent numpy references for the quantized layers' arithmetic (explicit loops over output positions).

Written from the definitions (TensorFlow's 'same'/'valid' padding rule, transposed convolution as a
scatter of kernel copies, BN formulas), never by calling Keras or TensorFlow. Everything computes in
float64 on channels_last arrays; tests transpose channels_first data around these.
"""

from __future__ import annotations

import itertools

import numpy as np


def quantized_bits_fixed(x, bits: int, integer: int, symmetric: bool = False) -> np.ndarray:
    """quantized_bits(bits, integer, symmetric, alpha=1) signed: round half to even on the 2^-(bits-1-integer) grid,
    saturate to [-2^integer (+ one step if symmetric), 2^integer - one step]."""
    frac = bits - 1 - integer
    m = 2.0 ** (bits - 1)
    lo = -m + (1 if symmetric else 0)
    return np.clip(np.round(np.asarray(x, np.float64) * 2.0 ** frac), lo, m - 1) * 2.0 ** -frac


def quantized_relu_fixed(x, bits: int, integer: int) -> np.ndarray:
    """quantized_relu(bits, integer): round half to even on the 2^-(bits-integer) grid, clip to [0, top]."""
    frac = bits - integer
    return np.clip(np.round(np.asarray(x, np.float64) * 2.0 ** frac), 0, 2.0 ** bits - 1) * 2.0 ** -frac


def same_padding(size: int, k_eff: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same': output ceil(size/stride); the odd pixel of padding goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


def _pad_spatial(x: np.ndarray, kernel: tuple[int, ...], strides, dilation, padding: str) -> np.ndarray:
    if padding == "valid":
        return x
    pads = [(0, 0)]
    for size, k, s, d in zip(x.shape[1:-1], kernel, strides, dilation, strict=True):
        pads.append(same_padding(size, (k - 1) * d + 1, s))
    pads.append((0, 0))
    return np.pad(x, pads)


def _conv_inputs(x, w, strides, dilation, padding: str):
    """x and w as float64, the spatial rank, strides and dilation (default 1 per axis) and x padded."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    rank = w.ndim - 2
    strides = strides or (1,) * rank
    dilation = dilation or (1,) * rank
    return x, w, rank, strides, dilation, _pad_spatial(x, w.shape[:rank], strides, dilation, padding)


def _windows(x: np.ndarray, kernel, strides, dilation):
    """Yield (output index, patch of shape (batch, *kernel, channels)) for every output position."""
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation, strict=True)]
    out = [(n - ke) // s + 1 for n, ke, s in zip(x.shape[1:-1], k_eff, strides, strict=True)]
    for pos in itertools.product(*(range(o) for o in out)):
        sl = tuple(slice(p * s, p * s + ke, d) for p, s, ke, d in zip(pos, strides, k_eff, dilation, strict=True))
        yield pos, x[(slice(None), *sl, slice(None))], out


def conv(x, w, strides=None, padding: str = "valid", dilation=None) -> np.ndarray:
    """N-d convolution (cross-correlation, as Keras), x (batch, *spatial, cin), w (*kernel, cin, cout)."""
    x, w, rank, strides, dilation, xp = _conv_inputs(x, w, strides, dilation, padding)
    result = None
    for pos, patch, out in _windows(xp, w.shape[:rank], strides, dilation):
        if result is None:
            result = np.zeros((x.shape[0], *out, w.shape[-1]))
        # sum over kernel taps and input channels
        result[(slice(None), *pos)] = np.tensordot(patch, w, axes=rank + 1)
    return result


def depthwise_conv(x, w, strides=None, padding: str = "valid", dilation=None) -> np.ndarray:
    """x (batch, *spatial, c), w (*kernel, c, multiplier) -> channel c·multiplier + m = x[..., c] * w[..., c, m]."""
    x, w, rank, strides, dilation, xp = _conv_inputs(x, w, strides, dilation, padding)
    channels, mult = w.shape[-2:]
    result = None
    for pos, patch, out in _windows(xp, w.shape[:rank], strides, dilation):
        if result is None:
            result = np.zeros((x.shape[0], *out, channels * mult))
        for c in range(channels):
            for m in range(mult):
                taps = patch[..., c] * w[..., c, m]
                result[(slice(None), *pos, c * mult + m)] = taps.reshape(x.shape[0], -1).sum(axis=1)
    return result


def separable_conv(x, depthwise, pointwise, strides=None, padding: str = "valid", dilation=None) -> np.ndarray:
    """Depthwise, then a 1x1 convolution over the depthwise channels (pointwise (1.., c·m, filters))."""
    mid = depthwise_conv(x, depthwise, strides, padding, dilation)
    pw = np.asarray(pointwise, np.float64)
    return mid @ pw.reshape(pw.shape[-2], pw.shape[-1])


def conv2d_transpose(x, w, strides=(1, 1), padding: str = "valid", dilation=(1, 1), output_padding=None):
    """Transposed 2-d convolution: every input pixel adds a copy of the kernel, scaled, at stride spacing.

    w (kh, kw, filters, cin). The full scatter result is cropped to the output size Keras reports: for
    'same' by the padding the forward 'same' convolution of that output size would have used.
    """
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    batch, h, wd, _ = x.shape
    kh, kw, filters, _ = w.shape
    k_eff = [(kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1]
    full = np.zeros((batch, (h - 1) * strides[0] + k_eff[0], (wd - 1) * strides[1] + k_eff[1], filters))
    for i, j, a, b in itertools.product(range(h), range(wd), range(kh), range(kw)):
        oi, oj = i * strides[0] + a * dilation[0], j * strides[1] + b * dilation[1]
        full[:, oi, oj, :] += x[:, i, j, :] @ w[a, b].T
    sizes, starts = [], []
    for axis, (n, s, ke) in enumerate(zip((h, wd), strides, k_eff, strict=True)):
        if output_padding is None:
            size = n * s + max(ke - s, 0) if padding == "valid" else n * s
        else:
            pad = ke // 2 if padding == "same" else 0
            size = (n - 1) * s + ke - 2 * pad + output_padding[axis]
        total = max((n - 1) * s + ke - size, 0)
        sizes.append(size)
        starts.append(total // 2 if padding == "same" else 0)
    out = np.zeros((batch, sizes[0], sizes[1], filters))
    rows = min(sizes[0], full.shape[1] - starts[0])
    cols = min(sizes[1], full.shape[2] - starts[1])
    out[:, :rows, :cols] = full[:, starts[0]:starts[0] + rows, starts[1]:starts[1] + cols]
    return out


def average_pool2d_sum(x, pool, strides, padding: str = "valid") -> tuple[np.ndarray, np.ndarray]:
    """(window sums, number of real inputs per window): 'same' pads with zeros that do not count."""
    x = np.asarray(x, np.float64)
    with_count = np.concatenate([x, np.ones(x.shape[:-1] + (1,))], axis=-1)  # last channel counts real inputs
    padded = _pad_spatial(with_count, pool, strides, (1, 1), padding)
    total = None
    for pos, patch, out in _windows(padded, pool, strides, (1, 1)):
        if total is None:
            total = np.zeros((x.shape[0], *out, x.shape[-1] + 1))
        total[(slice(None), *pos)] = patch.sum(axis=(1, 2))
    return total[..., :-1], total[..., -1:]


def batchnorm(x, mean, variance, gamma, beta, epsilon: float) -> np.ndarray:
    """(x − mean) · gamma / sqrt(variance + ε) + beta along the last axis, in QKeras' factored form."""
    inv = gamma / np.sqrt(np.asarray(variance, np.float64) + epsilon)
    return np.asarray(x, np.float64) * inv + (beta - mean * inv)
