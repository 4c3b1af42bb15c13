"""pad, crop and upsample: values moved, never changed (ZeroPadding, Cropping and UpSampling layers).

Each takes a setting per axis of the value (batch not counted; channels included, usually 0 or 1).
"""

from __future__ import annotations

import numpy as np

from hwq.ir.op import IRError, register
from hwq.ir.ops.movement import Movement


def _pairs(node, key: str, rank: int) -> list[tuple[int, int]]:
    pairs = node.attrs[key]
    ok = isinstance(pairs, list | tuple) and len(pairs) == rank and all(
        isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(v, int) and v >= 0 for v in p) for p in pairs)
    if not ok:
        raise IRError(f"node {node.name!r} ({node.op}): {key} {pairs!r} must hold {rank} [before, after] pairs >= 0, "
                      "one per axis of the value")
    return [tuple(p) for p in pairs]


@register
class Pad(Movement):
    name = "pad"
    attrs = ("padding",)  # and interior, optional: zeros between neighbours, per axis (0 by default)
    doc = ("zeros around each axis (padding[k] = [before, after]) and, optionally, interior[k] zeros between "
           "neighbours along axis k (a transposed convolution's spread input); batch not counted")

    def infer_shape(self, node, inputs):
        x = inputs[0]
        pairs, gaps = _pairs(node, "padding", len(x.shape)), interior_of(node, len(x.shape))
        return tuple(n + (n - 1) * e + lo + hi for n, e, (lo, hi) in zip(x.shape, gaps, pairs, strict=True))

    def evaluate(self, node, xs, types):
        x = xs[0]
        rank = x.ndim - 1
        pairs, gaps = _pairs(node, "padding", rank), interior_of(node, rank)
        y = np.zeros((*node.output.shape, x.shape[-1]), dtype=x.dtype)
        y[tuple(slice(lo, lo + (n - 1) * (e + 1) + 1, e + 1)
                for n, e, (lo, _) in zip(x.shape, gaps, pairs, strict=False))] = x
        return y


def interior_of(node, rank: int) -> list[int]:
    """The pad node's interior zeros per axis (all 0 when it has none)."""
    gaps = node.attrs.get("interior") or [0] * rank
    if not isinstance(gaps, list | tuple) or len(gaps) != rank or not all(isinstance(e, int) and e >= 0 for e in gaps):
        raise IRError(f"node {node.name!r} (pad): interior {gaps!r} must hold {rank} integers >= 0")
    return list(gaps)


@register
class Crop(Movement):
    name = "crop"
    attrs = ("cropping",)
    doc = "cropping[k] = [before, after] elements dropped from each end of axis k (batch not counted)"

    def infer_shape(self, node, inputs):
        x = inputs[0]
        shape = tuple(n - lo - hi for n, (lo, hi) in zip(x.shape, _pairs(node, "cropping", len(x.shape)),
                                                         strict=True))
        if min(shape) < 1:
            raise IRError(f"node {node.name!r} (crop): cropping {node.attrs['cropping']} leaves nothing of {x.shape}")
        return shape

    def evaluate(self, node, xs, types):
        x = xs[0]
        pairs = _pairs(node, "cropping", x.ndim - 1)
        return x[tuple(slice(lo, n - hi) for (lo, hi), n in zip(pairs, x.shape, strict=False))]


@register
class Upsample(Movement):
    name = "upsample"
    attrs = ("size",)
    doc = "each element repeated size[k] times along axis k (nearest neighbour; batch not counted)"

    def infer_shape(self, node, inputs):
        x, size = inputs[0], node.attrs["size"]
        if not isinstance(size, list | tuple) or len(size) != len(x.shape) or \
                not all(isinstance(k, int) and k >= 1 for k in size):
            raise IRError(f"node {node.name!r} (upsample): size {size!r} must hold {len(x.shape)} integers >= 1")
        return tuple(n * k for n, k in zip(x.shape, size, strict=True))

    def evaluate(self, node, xs, types):
        y = xs[0]
        for axis, k in enumerate(node.attrs["size"]):
            if k > 1:
                y = np.repeat(y, k, axis=axis)
        return y
