"""Bit-exact operations on integer mantissas: quantize, cast, multiply, add, to float."""

from __future__ import annotations

import numpy as np

from hwq.fixed.carrier import FLOAT32_EXACT_BITS, as_carrier, carrier_for_bits, float_exact_bits, shift_left
from hwq.fixed.fixed_type import FixedType
from hwq.fixed.modes import Overflow, Rounding
from hwq.fixed.overflow import apply_overflow
from hwq.fixed.rounding import round_float, round_shift


def quantize(x, t: FixedType, dtype=None) -> np.ndarray:
    """Float values -> mantissas of t, rounded and overflowed as t says.

    Exact: x * 2**frac is formed without error (in float32 when x, the carrier asked for and every scaled value
    allow it, else in float64), then rounded by t.rounding. The result is int64 (object beyond 62 bits), or the
    float carrier `dtype` asks for when the type fits it.
    """
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    if x.dtype == np.float32 and dtype is not None and np.dtype(dtype) == np.float32 and 0 <= t.frac < 64:
        v = np.multiply(x, np.float32(2.0 ** t.frac))  # a power of two: exact unless it overflows
        extremes = (v.min(), v.max()) if v.size else (0.0, 0.0)
        # below 2**23 in magnitude, rounding and wrapping stay exact in float32 (FLOAT32_EXACT_BITS)
        if np.isfinite(extremes).all() and max(-extremes[0], extremes[1]) < 2.0 ** FLOAT32_EXACT_BITS:
            return _rounded(v, t, dtype, extremes)
    v = np.multiply(x, 2.0 ** t.frac, dtype=np.float64) if t.frac >= 0 else np.ldexp(x, t.frac, dtype=np.float64)
    extremes = (v.min(), v.max()) if v.size else (0.0, 0.0)
    if not np.isfinite(extremes).all():  # scaling keeps NaN and inf and overflows to inf; min and max show both
        if not np.isfinite(x).all():
            raise ValueError("cannot quantize NaN or infinite values to a fixed-point type")
        raise OverflowError(f"values too large to scale into {t}")
    if t.frac < 0:
        # below 2**-1074 ldexp flushes to +-0 (only a negative frac shrinks x); any 0 < |v| < 1/2 rounds by its
        # sign alone, so keep one
        v = np.where((v == 0) & (x != 0), np.copysign(np.finfo(np.float64).smallest_subnormal, x), v)
    return _rounded(v, t, dtype, extremes)


def _rounded(v: np.ndarray, t: FixedType, dtype, extremes: tuple) -> np.ndarray:
    """Scaled values v (a scratch array) rounded as t says, then overflowed; extremes: v's smallest and largest."""
    q = round_float(v, t.rounding, inplace=True)
    # every rounding is monotonic, so the rounded extremes are q's: no second pass over q to find them
    return _finish(q, t, dtype, fresh=True, extremes=tuple(round_float(np.array(extremes), t.rounding)))


def cast(m: np.ndarray, src: FixedType, dst: FixedType, dtype=None) -> np.ndarray:
    """Mantissas of src -> mantissas of dst, rounded and overflowed as dst says."""
    m = np.asarray(m)
    shift = src.frac - dst.frac
    q = round_shift(m, shift, dst.rounding) if shift > 0 else shift_left(m, -shift)
    return _finish(q, dst, dtype, fresh=shift != 0)


def to_float(m: np.ndarray, t: FixedType) -> np.ndarray:
    """Mantissas -> float64 values; exact when t.width <= 53."""
    m = np.asarray(m)
    if m.dtype == object:
        m = np.array([float(v) for v in m.flat]).reshape(m.shape)
    return np.ldexp(m.astype(np.float64), -t.frac)


def product_type(a: FixedType, b: FixedType) -> FixedType:
    """The exact type of a * b (ap_fixed's full-precision product)."""
    signed = a.signed or b.signed
    width = a.width + b.width
    return FixedType(width, a.integer + b.integer, signed)


def sum_type(a: FixedType, b: FixedType) -> FixedType:
    """A type that holds a + b exactly for every pair of values."""
    frac = max(a.frac, b.frac)
    lo = (a.min_mantissa << (frac - a.frac)) + (b.min_mantissa << (frac - b.frac))
    hi = (a.max_mantissa << (frac - a.frac)) + (b.max_mantissa << (frac - b.frac))
    from hwq.fixed.fixed_type import fitting_type

    return fitting_type(lo, hi, frac)


def multiply(ma: np.ndarray, a: FixedType, mb: np.ndarray, b: FixedType) -> tuple[np.ndarray, FixedType]:
    """Exact product of two mantissa arrays and its type."""
    t = product_type(a, b)
    dtype = carrier_for_bits(t.width)
    return as_carrier(ma, dtype) * as_carrier(mb, dtype), t


def add(ma: np.ndarray, a: FixedType, mb: np.ndarray, b: FixedType) -> tuple[np.ndarray, FixedType]:
    """Exact sum of two mantissa arrays and its type."""
    t = sum_type(a, b)
    dtype = carrier_for_bits(t.width)
    return (shift_left(as_carrier(ma, dtype), t.frac - a.frac)
            + shift_left(as_carrier(mb, dtype), t.frac - b.frac)), t


def _finish(q: np.ndarray, t: FixedType, dtype, fresh: bool, extremes: tuple | None = None) -> np.ndarray:
    """Apply t's overflow to integer-valued q (a scratch array if fresh) in the requested carrier; `extremes`,
    when the caller knows them, are q's smallest and largest values."""
    if dtype is not None and np.dtype(dtype).kind == "f":
        dtype = np.dtype(dtype)
        if t.width > float_exact_bits(dtype):
            raise OverflowError(f"{t} does not fit a {dtype} carrier exactly")
        if q.dtype == object:
            return as_carrier(apply_overflow(q, t), dtype)
        if extremes is None and t.overflow in (Overflow.SAT, Overflow.SAT_SYM):
            return apply_overflow(q, t, inplace=fresh).astype(dtype, copy=False)  # a clip costs what min+max do
        if extremes is None:
            extremes = (q.min(), q.max()) if q.size else (0, 0)
        lo, hi = t.overflow_bounds
        if lo <= extremes[0] and extremes[1] <= hi:
            return q.astype(dtype, copy=False)  # nothing overflows
        # wrap-around needs exact integers; saturation of a huge float is exact as it is
        huge = t.overflow is Overflow.WRAP and max(-extremes[0], extremes[1]) >= 2.0 ** float_exact_bits(q.dtype)
        if huge:
            return as_carrier(apply_overflow(as_carrier(q, object), t), dtype)
        return apply_overflow(q, t, inplace=fresh).astype(dtype, copy=False)
    if q.dtype.kind == "f":
        if extremes is None:
            extremes = (q.min(), q.max()) if q.size else (0, 0)
        big = max(-extremes[0], extremes[1]) >= 2.0 ** 62
        q = as_carrier(q, object) if big else q.astype(np.int64)
    return as_carrier(apply_overflow(q, t), carrier_for_bits(t.width))


__all__ = ["quantize", "cast", "to_float", "product_type", "sum_type", "multiply", "add", "Rounding"]
