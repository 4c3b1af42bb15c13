"""What the sliding-window views (conv, pool) share: the padded input bus and the slices of one window.

Both print one generate loop over the output positions p (row-major over the output's spatial axes).
The input, padded around its spatial axes, is an internal bus `xp` (wiring: constant slices and fill
constants), so every window, at the border or not, reads the same constant offsets from its origin: the
origin of position p is a constant expression of p, and tap t starts a constant number of bits after it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hwq.backends.verilog.bus import Bus
from hwq.backends.verilog.ops.base import Assign, wiring
from hwq.ir.ops.windows import Window

PADDED = "xp"


def pad_sources(shape: tuple[int, ...], padding: list[tuple[int, int]],
                interior: list[int] | None = None) -> list[tuple[int, int] | None]:
    """Element j of the value padded by `padding` (a (before, after) pair per axis) and `interior` zeros between
    neighbours (per axis) is element sources[j][1] of input 0, or None where it is padding."""
    gaps = interior or [0] * len(shape)
    out = [n + (n - 1) * e + lo + hi for n, e, (lo, hi) in zip(shape, gaps, padding, strict=True)]
    index = np.full(out, -1, dtype=np.int64)
    index[tuple(slice(lo, lo + (n - 1) * (e + 1) + 1, e + 1) for n, e, (lo, _) in zip(shape, gaps, padding,
                                                                                     strict=True))] = \
        np.arange(math.prod(shape)).reshape(shape)
    return [(0, int(i)) if i >= 0 else None for i in index.ravel()]


@dataclass
class Windows:
    """The input as the windows read it, and the bit offsets of a window's taps."""

    source: Bus  # x, or xp: x padded
    pad: list[Assign]  # that assign xp (none when the window has no padding)
    positions: int  # output positions, the range of the generate loop's p
    origin: str  # bit offset of position p's first tap (tap 0, channel 0) in source: a constant expression of p
    taps: list[tuple[tuple[int, ...], int]]  # (tap index per axis, its bit offset from the origin), row-major

    def slice(self, offset: int, width: int, channel: str = "") -> str:
        """`width` bits of the source, `offset` bits (plus `channel`, an expression) after position p's origin."""
        terms = [t for t in (self.origin, str(offset), channel) if t and t != "0"]
        return f"{self.source.name}[{' + '.join(terms) or '0'} +: {width}]"


def windows(x: Bus, window: Window, out_spatial: tuple[int, ...], fill: int) -> Windows:
    """The windows of `window` over x (*spatial, channels), padded with the mantissa `fill`."""
    padding = [*window.padding, (0, 0)]
    source, pad = x, []
    if any(lo or hi for lo, hi in window.padding):
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, padding, strict=True))
        source = Bus(PADDED, shape, x.type)
        pad = wiring(pad_sources(x.shape, padding), [x], source, [0], fill)
    # bits between neighbours along each spatial axis of the source
    pitch = [math.prod(source.shape[k + 1:]) * x.width for k in range(window.rank)]
    steps = [s * p for s, p in zip(window.strides, pitch, strict=True)]
    taps = []
    for offset in window.tap_offsets():
        index = tuple(o // d for o, d in zip(offset, window.dilation, strict=True))
        taps.append((index, sum(o * p for o, p in zip(offset, pitch, strict=True))))
    return Windows(source, pad, math.prod(out_spatial), _origin(out_spatial, steps), taps)


def _origin(out_spatial: tuple[int, ...], steps: list[int]) -> str:
    """sum_k o_k * steps[k], where o_k are position p's coordinates (row-major): `(p / 13)*512 + (p % 13)*32`."""
    terms = []
    for k, (n, step) in enumerate(zip(out_spatial, steps, strict=True)):
        if n == 1:
            continue  # o_k is 0
        inner, outer = math.prod(out_spatial[k + 1:]), math.prod(out_spatial[:k])
        coord = "p" if inner == 1 else f"p / {inner}"
        if outer > 1:
            coord = f"{coord} % {n}"
        terms.append(f"p*{step}" if coord == "p" else f"({coord})*{step}")
    return " + ".join(terms) or "0"
