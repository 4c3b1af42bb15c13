"""The one place where values outside a type's range are wrapped or saturated."""

from __future__ import annotations

import numpy as np

from hwq.fixed.carrier import INT64_SAFE_BITS
from hwq.fixed.fixed_type import FixedType
from hwq.fixed.modes import Overflow


def apply_overflow(q: np.ndarray, t: FixedType, inplace: bool = False) -> np.ndarray:
    """Bring integer mantissas q into t's range as t.overflow says (overwriting q if inplace)."""
    lo, hi = t.overflow_bounds
    mode = t.overflow
    if q.dtype.kind in "iu" and t.width > INT64_SAFE_BITS:
        q = q.astype(object)  # the range ends (and the wrap span) of t do not fit int64
    if q.dtype.kind == "f":
        lo, hi = float(lo), float(hi)
    if mode is Overflow.WRAP:
        if q.dtype != object and in_range(q, lo, hi):
            return q  # nothing wraps: skip the modulo, the slowest pass of a cast
        span = 1 << t.width
        if q.dtype.kind == "f":  # float % is slow; with a power-of-two span, floor division is exact
            span = float(span)
            wraps = np.subtract(q, lo)
            np.floor(np.multiply(wraps, 1.0 / span, out=wraps), out=wraps)
            return np.subtract(q, np.multiply(wraps, span, out=wraps), out=q if inplace else None)
        return (q - lo) % span + lo
    if mode is Overflow.SAT:
        return _clip(q, lo, hi, inplace)
    if mode is Overflow.SAT_ZERO:
        outside = (q < lo) | (q > hi)
        return np.where(outside, q.dtype.type(0) if q.dtype != object else 0, q).astype(q.dtype)
    if mode is Overflow.SAT_SYM:
        return _clip(q, lo, hi, inplace)
    raise ValueError(f"unknown overflow {mode!r}")


def in_range(q: np.ndarray, lo, hi) -> bool:
    """Whether every element of a numeric array lies in [lo, hi] (two reductions, no temporaries)."""
    return not q.size or (lo <= q.min() and q.max() <= hi)


def _clip(q: np.ndarray, lo, hi, inplace: bool) -> np.ndarray:
    if q.dtype == object:
        return np.where(q < lo, lo, np.where(q > hi, hi, q)).astype(object)
    return np.clip(q, lo, hi, out=q if inplace else None)
