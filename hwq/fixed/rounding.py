"""The one place where bits below the least significant bit are rounded away."""

from __future__ import annotations

import numpy as np

from hwq.fixed.carrier import floor_shift
from hwq.fixed.modes import Rounding


def round_shift(m: np.ndarray, s: int, rounding: Rounding) -> np.ndarray:
    """Drop the s lowest bits of integer mantissas m, rounding as `rounding` says (s >= 1)."""
    if m.dtype.kind == "f" and s <= -np.finfo(m.dtype).minexp:  # m * 2**-s stays a normal float: exact
        return _round_scaled(m * m.dtype.type(2.0 ** -s), rounding)
    q, r = floor_shift(m, s)
    return q + _round_up(q, r, 1 << (s - 1), m < 0, rounding)


def round_float(v: np.ndarray, rounding: Rounding, inplace: bool = False) -> np.ndarray:
    """Round float values to integers (in their float type), exactly, as `rounding` says (overwriting v if inplace);
    float32 values below 2**23 in magnitude, float64 any."""
    out = v if inplace and isinstance(v, np.ndarray) else None  # a 0-d result of a ufunc is a scalar
    if rounding is Rounding.RND_CONV:
        return np.rint(v, out=out)  # IEEE round-half-even: exact for every double
    if rounding is Rounding.TRN:
        return np.floor(v, out=out)
    if rounding is Rounding.TRN_ZERO:
        return np.trunc(v, out=out)
    # v + 0.5 can round in float (0.49999999999999994 + 0.5 == 1.0), and so can v - floor(v) for
    # -1 < v < 0 (-0.49999999999999994 + 1 == 0.5): compare v with floor(v) + 1/2 instead, exact whenever
    # v has a fraction; r is a stand-in remainder in the same order relation to 0 and 1/2
    q = np.floor(v)
    mid = q + 0.5
    r = np.where(v == q, 0.0, np.where(v == mid, 0.5, np.where(v > mid, 0.75, 0.25)))
    return q + _round_up(q, r, 0.5, v < 0, rounding)


def _round_scaled(v: np.ndarray, rounding: Rounding) -> np.ndarray:
    """Round v = m * 2**-s in place, m an integer in a float carrier with a spare bit, so v +- 0.5 is exact."""
    if rounding is Rounding.RND_CONV:
        return np.rint(v, out=v)
    if rounding is Rounding.TRN:
        return np.floor(v, out=v)
    if rounding is Rounding.TRN_ZERO:
        return np.trunc(v, out=v)
    if rounding is Rounding.RND:
        return np.floor(np.add(v, 0.5, out=v), out=v)
    if rounding is Rounding.RND_MIN_INF:
        return np.ceil(np.subtract(v, 0.5, out=v), out=v)
    if rounding is Rounding.RND_ZERO:
        return np.copysign(np.ceil(np.abs(v) - 0.5), v, out=v)
    if rounding is Rounding.RND_INF:
        return np.copysign(np.floor(np.abs(v) + 0.5), v, out=v)
    raise ValueError(f"unknown rounding {rounding!r}")


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
