"""Exact integer kernels on int64 numpy values: matmul, convolutions and pooling, channels last.

Accumulation is exact. A float64 dot product is exact when every partial sum is an integer below 2**53, whatever
the order of the additions, so that fast path (BLAS) is taken when max|a| * max|b| * terms < 2**53; int64 is
used below 2**62 and Python integers beyond, so no sum ever wraps or rounds.
"""

from __future__ import annotations

import math

import numpy as np

FLOAT_EXACT = 2**53
INT64_SAFE = 2**62


def _max_abs(a: np.ndarray) -> int:
    return int(np.max(np.abs(a.astype(object)))) if a.size else 0


def _carrier(a: np.ndarray, b: np.ndarray, terms: int):
    bound = _max_abs(a) * _max_abs(b) * max(terms, 1)
    if bound < FLOAT_EXACT:
        return np.float64
    return np.int64 if bound < INT64_SAFE else object


def _to_int(result: np.ndarray) -> np.ndarray:
    if result.dtype == object:
        return result  # Python ints: the FixedPoint saturates them exactly
    return result.astype(np.int64)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (..., K) @ b (K, C), exact."""
    dtype = _carrier(a, b, a.shape[-1])
    return _to_int(np.tensordot(a.astype(dtype), b.astype(dtype), axes=([-1], [0])))


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same' padding (before, after) of one spatial axis: the extra pixel goes after."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def pad_spatial(x: np.ndarray, kernel, strides, dilation, padding: str, pad_value=0) -> np.ndarray:
    """x (N, H, W, C) padded for a 'same' window (unchanged for 'valid'), with one value or one per channel."""
    if padding == "valid":
        return x
    pads = [same_padding(x.shape[1 + i], kernel[i], strides[i], dilation[i]) for i in range(2)]
    shape = (x.shape[0], x.shape[1] + sum(pads[0]), x.shape[2] + sum(pads[1]), x.shape[3])
    out = np.empty(shape, dtype=x.dtype)
    out[...] = np.asarray(pad_value, dtype=x.dtype)  # broadcast over the channels
    out[:, pads[0][0]:pads[0][0] + x.shape[1], pads[1][0]:pads[1][0] + x.shape[2], :] = x
    return out


def windows(x: np.ndarray, kernel, strides, dilation) -> np.ndarray:
    """The (N, OH, OW, KH, KW, C) windows of an already padded x (N, H, W, C) (a view, no copy)."""
    span = [(kernel[i] - 1) * dilation[i] + 1 for i in range(2)]
    if x.shape[1] < span[0] or x.shape[2] < span[1]:
        raise ValueError(f"the window {tuple(span)} is larger than the input {x.shape[1:3]}")
    view = np.lib.stride_tricks.sliding_window_view(x, span, axis=(1, 2))  # N, OH', OW', C, SH, SW
    view = view[:, ::strides[0], ::strides[1], :, ::dilation[0], ::dilation[1]]
    return np.moveaxis(view, 3, -1)


def conv2d(x: np.ndarray, w: np.ndarray, strides, padding: str, dilation=(1, 1), pad_value=0) -> np.ndarray:
    """x (N, H, W, C) convolved (cross-correlation, as Keras) with w (KH, KW, C, F), exact."""
    kernel = w.shape[:2]
    patches = windows(pad_spatial(x, kernel, strides, dilation, padding, pad_value), kernel, strides, dilation)
    flat = patches.reshape(*patches.shape[:3], -1)
    return matmul(flat, w.reshape(-1, w.shape[-1]))


def depthwise_conv2d(x: np.ndarray, w: np.ndarray, strides, padding: str, dilation=(1, 1)) -> np.ndarray:
    """x (N, H, W, C) with one (KH, KW) filter per channel, w (KH, KW, C), exact."""
    kernel = w.shape[:2]
    patches = windows(pad_spatial(x, kernel, strides, dilation, padding), kernel, strides, dilation)
    dtype = _carrier(x, w, kernel[0] * kernel[1])
    return _to_int(np.sum(patches.astype(dtype) * w.astype(dtype), axis=(3, 4)))


def max_pool2d(x: np.ndarray, pool, strides, padding: str) -> np.ndarray:
    """The maximum of each window; 'same' padding never wins (it is the lowest int64)."""
    lowest = np.iinfo(np.int64).min
    patches = windows(pad_spatial(x, pool, strides, (1, 1), padding, lowest), pool, strides, (1, 1))
    return patches.max(axis=(3, 4))


def conv2d_transpose(x: np.ndarray, w: np.ndarray, strides, padding: str, output_shape) -> np.ndarray:
    """The transpose of conv2d: x (N, H, W, C), w (KH, KW, F, C) as Keras stores it, to (N, OH, OW, F), exact.

    Each input pixel scatters x[n, i, j, :] @ w[a, b].T onto output (i * s + a - pad, j * s + b - pad).
    """
    n, h, wd, _ = x.shape
    kh, kw, filters, _ = w.shape
    oh, ow = output_shape
    pad = [_transpose_pad(h, oh, kh, strides[0], padding), _transpose_pad(wd, ow, kw, strides[1], padding)]
    rows = max((h - 1) * strides[0] + kh, pad[0] + oh)
    cols = max((wd - 1) * strides[1] + kw, pad[1] + ow)
    full = np.zeros((n, rows, cols, filters), dtype=object)
    for a in range(kh):
        for b in range(kw):
            contribution = matmul(x, w[a, b].T)  # N, H, W, F
            full[:, a:a + (h - 1) * strides[0] + 1:strides[0], b:b + (wd - 1) * strides[1] + 1:strides[1], :] += \
                contribution.astype(object)
    out = full[:, pad[0]:pad[0] + oh, pad[1]:pad[1] + ow, :]
    return _narrow(out)


def _transpose_pad(size: int, out: int, kernel: int, stride: int, padding: str) -> int:
    if padding == "valid":
        return 0
    total = max((size - 1) * stride + kernel - out, 0)
    return total // 2


def _narrow(x: np.ndarray) -> np.ndarray:
    if x.size and _max_abs(x) < INT64_SAFE:
        return x.astype(np.int64)
    return x
