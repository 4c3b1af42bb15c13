"""Per-channel scales of quantized_bits(alpha='auto' / 'auto_po2'), computed from the tensor itself.

QKeras semantics (see docs/QKERAS-NOTES): x is first divided by 2**integer; the grid has
`levels` = 2·(2**(bits−1) − 1) steps, symmetric around 0, and integers z = sign(x)·min(floor(|x|/s + ½),
levels/2) — half away from zero, unlike the fixed-alpha path. 'auto' takes s = 2·max|x| / levels per
channel; 'auto_po2' rounds that to a power of two and refines it five times by least squares.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

REFINEMENT_ROUNDS = 5


def reduce_axes(ndim: int, scale_axis) -> list[int]:
    """Axes averaged over to get one scale per channel: all but the channel axis (or `scale_axis`)."""
    if scale_axis is not None:
        keep = [a % ndim for a in (scale_axis if isinstance(scale_axis, (list, tuple)) else [scale_axis])]
        return [i for i in range(ndim) if i not in keep]
    if keras.config.image_data_format() == "channels_last":
        return list(range(ndim - 1))
    return list(range(1, ndim))


def grid_integers(x, scale, half_levels: float):
    """z = sign(x)·min(floor(|x|/scale + ½), levels/2): the integer grid point of each x."""
    v = ops.floor(ops.abs(x) / scale + 0.5)
    return ops.sign(x) * ops.where(v < half_levels, v, ops.ones_like(v) * half_levels)


def initial_scale(x, levels: int, scale_axis):
    """2·max|x| / levels per channel (one scale for a 1-D tensor, as QKeras does)."""
    axes = reduce_axes(len(x.shape), scale_axis) if len(x.shape) > 1 else None
    return ops.max(ops.abs(x), axis=axes, keepdims=True) * 2.0 / float(levels)


def round_to_po2(scale):
    """2**round(log2(scale + eps)), with keras round (half to even) on the exponent."""
    eps = keras.config.epsilon()
    exponent = ops.round(ops.log(scale + eps) / np.float32(np.log(2.0)))
    return ops.power(2.0, exponent)


def clip_po2(scale, min_exponent, max_exponent):
    if min_exponent is not None:
        scale = ops.maximum(scale, 2.0 ** min_exponent)
    if max_exponent is not None:
        scale = ops.minimum(scale, 2.0 ** max_exponent)
    return scale


def least_squares_po2(x, z, scale_axis, elements_per_scale, min_exponent, max_exponent):
    """The power-of-two scale s minimising |x − s·z|² per channel (or per group of elements)."""
    return least_squares_scale("auto_po2", x, z, scale_axis, elements_per_scale, min_exponent, max_exponent)


def least_squares_scale(alpha: str, x, q, scale_axis=None, elements_per_scale=None, min_exponent=None,
                        max_exponent=None):
    """mean(x·q) / (mean(q²) + eps) per channel; po2-rounded (and clipped) for alpha='auto_po2'.

    A 1-D tensor gets one scale per element (QKeras averages nothing there).
    """
    ndim = len(x.shape)
    if ndim <= 1:
        qx, qq = x * q, q * q
    elif elements_per_scale is not None:
        qx = grouped_mean(x * q, scale_axis, elements_per_scale)
        qq = grouped_mean(q * q, scale_axis, elements_per_scale)
    else:
        axes = reduce_axes(ndim, scale_axis)
        qx, qq = ops.mean(x * q, axis=axes, keepdims=True), ops.mean(q * q, axis=axes, keepdims=True)
    scale = qx / (qq + keras.config.epsilon())
    if alpha == "auto_po2":
        scale = clip_po2(round_to_po2(scale), min_exponent, max_exponent)
    return scale


def channel_axes(ndim: int):
    """Axes reduced for one statistic per channel, as binary/ternary/bernoulli take them: all but the
    channel axis; a 1-D tensor is one channel."""
    if ndim <= 1:
        return None
    return reduce_axes(ndim, None)


def auto_po2_scale(x, levels: int, scale_axis, elements_per_scale, min_exponent, max_exponent):
    """The 'auto_po2' scale: a po2-rounded max-based start, then least-squares refinement."""
    scale = round_to_po2(initial_scale(x, levels, scale_axis))
    for _ in range(REFINEMENT_ROUNDS):
        z = grid_integers(x, scale, levels / 2)
        scale = least_squares_po2(x, z, scale_axis, elements_per_scale, min_exponent, max_exponent)
    return scale


def grouped_mean(t, scale_axis, elements_per_scale):
    """Mean over everything except groups of `elements_per_scale` consecutive entries along `scale_axis`.

    The result has the size of t along each scale axis (each group mean repeated) and 1 elsewhere.
    """
    shape = list(t.shape)
    axes, sizes = _validate_groups(shape, scale_axis, elements_per_scale)
    unrolled, group_axes = [], []
    for i, n in enumerate(shape):
        if i in axes:
            per = sizes[axes.index(i)]
            group_axes.append(len(unrolled))
            unrolled += [n // per, per]
        else:
            unrolled.append(n)
    mean = ops.mean(ops.reshape(t, unrolled), axis=[i for i in range(len(unrolled)) if i not in group_axes],
                    keepdims=True)
    mean = ops.reshape(mean, [shape[i] // sizes[axes.index(i)] if i in axes else 1 for i in range(len(shape))])
    for axis, per in zip(axes, sizes, strict=True):
        mean = ops.repeat(mean, per, axis=axis)
    return mean


def _validate_groups(shape: list[int], scale_axis, elements_per_scale) -> tuple[list[int], list[int]]:
    if scale_axis is None:
        raise ValueError("elements_per_scale needs scale_axis: the axis along which elements are grouped")
    axes = [a % len(shape) for a in (scale_axis if isinstance(scale_axis, (list, tuple)) else [scale_axis])]
    if isinstance(elements_per_scale, (list, tuple)):
        if not isinstance(scale_axis, (list, tuple)) or len(elements_per_scale) != len(axes):
            raise ValueError(f"elements_per_scale={elements_per_scale} needs a scale_axis list of the same length, "
                             f"got scale_axis={scale_axis}")
        sizes = [int(e) for e in elements_per_scale]
    else:
        sizes = [int(elements_per_scale)] * len(axes)
    for axis, per in zip(axes, sizes, strict=True):
        if shape[axis] is None or shape[axis] % per:
            raise ValueError(f"axis {axis} of size {shape[axis]} is not divisible by elements_per_scale={per}")
    return axes, sizes
