"""pool: the maximum, or the exact sum, of every window of each channel (1 or 2 spatial axes, channels last).

Max pooling pads with the type's minimum, so a padded window's maximum is that of its real inputs (as
Keras' 'same' pooling); sum pooling pads with zeros and is exact in its output type. An average is a
sum followed by an exact scaling (a power of two, or a constant product: see hwq.frontend.pooling).
"""

from __future__ import annotations

import math

import numpy as np

from hwq.fixed import Interval
from hwq.fixed.carrier import as_carrier, shift_left
from hwq.fixed.intervals import sum_of
from hwq.ir.op import IRError, Op, carrier, register
from hwq.ir.ops.windows import Window, window_of

MODES = ("max", "sum")


def pool_window(node) -> Window:
    size = node.attrs["size"]
    if not isinstance(size, list | tuple) or not all(isinstance(k, int) for k in size):
        raise IRError(f"node {node.name!r} (pool): size {size!r} must list the window's extent per spatial axis")
    return window_of(node, tuple(size))


@register
class Pool(Op):
    name = "pool"
    attrs = ("mode", "size", "strides", "padding")
    annotations = ("op_count",)
    doc = "the max (padding: the type's minimum) or the exact sum (padding: 0) of each window, per channel"

    def infer_shape(self, node, inputs):
        x = inputs[0]
        if node.attrs["mode"] not in MODES:
            raise IRError(f"node {node.name!r} (pool): mode {node.attrs['mode']!r} not in {MODES}")
        window = pool_window(node)
        if len(x.shape) != window.rank + 1:
            raise IRError(f"node {node.name!r} (pool): a rank-{window.rank} window over input {x.shape}")
        if any(lo >= k or hi >= k for (lo, hi), k in zip(window.padding, window.size, strict=True)):
            raise IRError(f"node {node.name!r} (pool): padding {window.padding} must be less than the window "
                          f"{window.size} on each side (a window of padding alone has no value)")
        return (*window.output_shape(node, x.shape[:-1]), x.shape[-1])

    def annotate(self, node, inputs):
        """One comparison or addition per tap but the first, per output."""
        node.attrs["op_count"] = math.prod(node.output.shape) * (pool_window(node).taps - 1)

    def bound(self, node, inputs):
        x = Interval.of_type(inputs[0].type)
        return x if node.attrs["mode"] == "max" else sum_of([x] * pool_window(node).taps)

    def infer_type(self, node, inputs):
        return inputs[0].type if node.attrs["mode"] == "max" else super().infer_type(node, inputs)

    def check(self, node, inputs):
        a, b = inputs[0].type, node.output.type
        if node.attrs["mode"] == "max" and a.frac != b.frac:
            raise IRError(f"node {node.name!r} (pool): a max pool keeps its input's mantissas: its output type {b} "
                          f"must have the input's {a.frac} fraction bits")

    def evaluate(self, node, xs, types):
        (x,), (t,) = xs, types
        window = pool_window(node)
        out_type = node.output.type
        dtype = carrier(out_type)
        out = node.output.shape[:-1]
        if node.attrs["mode"] == "max":
            taps = window.taps_of(window.padded(as_carrier(x, dtype), t.min_mantissa), out)
            y = next(taps).copy()
            for view in taps:
                np.maximum(y, view, out=y)
            return y
        shift = out_type.frac - t.frac
        taps = window.taps_of(window.padded(as_carrier(x, dtype), 0), out)
        y = next(taps).copy()
        for view in taps:
            y += view
        return shift_left(y, shift)
