"""What the sliding-window ops (conv, pool) share: their settings, output sizes, and the input's taps.

A window op over `rank` spatial axes reads, for output position o and kernel tap t, the input at
o * stride + t * dilation in the zero- (or otherwise) padded input. Values are channels last, so a
value of shape (*spatial, channels) has its spatial axes first.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from hwq.ir.op import IRError


@dataclass(frozen=True)
class Window:
    size: tuple[int, ...]  # taps per spatial axis
    strides: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]  # (before, after) per spatial axis

    @property
    def rank(self) -> int:
        return len(self.size)

    @property
    def taps(self) -> int:
        return math.prod(self.size)

    def output_shape(self, node, spatial: tuple[int, ...]) -> tuple[int, ...]:
        if len(spatial) != self.rank:
            raise IRError(f"node {node.name!r} ({node.op}): a rank-{self.rank} window over a value with "
                          f"{len(spatial)} spatial axes (shape {spatial} + channels)")
        out = []
        for n, k, s, d, (lo, hi) in zip(spatial, self.size, self.strides, self.dilation, self.padding, strict=True):
            reach = d * (k - 1) + 1
            if n + lo + hi < reach:
                raise IRError(f"node {node.name!r} ({node.op}): a window reaching {reach} does not fit an axis of "
                              f"{n} padded by {lo} + {hi}")
            out.append((n + lo + hi - reach) // s + 1)
        return tuple(out)

    def tap_offsets(self) -> Iterator[tuple[int, ...]]:
        """Every tap's offset into the padded input, in row-major tap order (the kernel's order)."""
        for t in itertools.product(*(range(k) for k in self.size)):
            yield tuple(ti * d for ti, d in zip(t, self.dilation, strict=True))

    def taps_of(self, padded: np.ndarray, out: tuple[int, ...]) -> Iterator[np.ndarray]:
        """Views of the padded input (*spatial, ..., batch), one per tap: element o is input o * stride + offset."""
        for offset in self.tap_offsets():
            yield padded[tuple(slice(t, t + (o - 1) * s + 1, s)
                               for t, o, s in zip(offset, out, self.strides, strict=True))]

    def padded(self, x: np.ndarray, value) -> np.ndarray:
        """x (*spatial, channels, batch) with `value` around its spatial axes."""
        if not any(lo or hi for lo, hi in self.padding):
            return x
        widths = [*self.padding, *((0, 0),) * (x.ndim - self.rank)]
        return np.pad(x, widths, constant_values=value)


def window_of(node, size: tuple[int, ...]) -> Window:
    """The node's strides, dilation and padding attributes, checked, for a window of `size` taps."""
    rank = len(size)
    strides, dilation, padding = (node.attrs.get(k) for k in ("strides", "dilation", "padding"))
    dilation = dilation if dilation is not None else [1] * rank
    ok = (_ints(strides, rank, 1) and _ints(dilation, rank, 1) and isinstance(padding, list | tuple)
          and len(padding) == rank and all(_ints(p, 2, 0) for p in padding) and all(k >= 1 for k in size))
    if not ok:
        raise IRError(f"node {node.name!r} ({node.op}): strides {strides!r} and dilation {dilation!r} need {rank} "
                      f"integers >= 1, padding {padding!r} {rank} [before, after] pairs >= 0")
    return Window(tuple(size), tuple(strides), tuple(dilation), tuple(tuple(p) for p in padding))


def _ints(values, n: int, least: int) -> bool:
    return isinstance(values, list | tuple) and len(values) == n and \
        all(isinstance(v, int) and v >= least for v in values)
