"""The one place where bits below the least significant bit are rounded away."""

from __future__ import annotations

import numpy as np

from hwq.fixed.carrier import floor_shift
from hwq.fixed.modes import Rounding


def round_shift(m: np.ndarray, s: int, rounding: Rounding) -> np.ndarray:
    """Drop the s lowest bits of integer mantissas m, rounding as `rounding` says (s >= 1)."""
    q, r = floor_shift(m, s)
    half = 1 << (s - 1)
    if m.dtype.kind == "f":
        half = float(half)
    return q + _round_up(q, r, half, m < 0, rounding)


def round_float(v: np.ndarray, rounding: Rounding) -> np.ndarray:
    """Round float64 values to integers (as float64), exactly, as `rounding` says."""
    q = np.floor(v)
    return q + _round_up(q, v - q, 0.5, v < 0, rounding)


def _round_up(q, r, half, negative, rounding: Rounding):
    """1 where the floor q must move up by one; r in [0, 2*half) is what the floor dropped."""
    above, tie = r > half, r == half
    if rounding is Rounding.TRN:
        up = np.zeros(np.shape(q), dtype=bool)
    elif rounding is Rounding.TRN_ZERO:
        up = (r != 0) & negative
    elif rounding is Rounding.RND:
        up = above | tie
    elif rounding is Rounding.RND_ZERO:
        up = above | (tie & negative)
    elif rounding is Rounding.RND_INF:
        up = above | (tie & ~negative)
    elif rounding is Rounding.RND_MIN_INF:
        up = above
    elif rounding is Rounding.RND_CONV:
        up = above | (tie & (q % 2 == 1))
    else:
        raise ValueError(f"unknown rounding {rounding!r}")
    up = np.asarray(up, dtype=bool)
    return up.astype(q.dtype) if q.dtype != object else up.astype(int).astype(object)
