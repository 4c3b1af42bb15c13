"""Numpy arrays that hold integer mantissas exactly.

Three carriers hold the same integers: int64 (exact below 2**62 here, leaving room for one
addition), float64 (exact below 2**53; fast, BLAS-able) and object arrays of Python ints (any
size, slow). Every function in hwq.fixed works on all three; callers pick one from a proven bound.
"""

from __future__ import annotations

import numpy as np

INT64_SAFE_BITS = 62
FLOAT64_EXACT_BITS = 53


def carrier_for_bits(bits: int) -> np.dtype:
    """The fastest integer carrier for magnitudes below 2**bits."""
    return np.dtype(np.int64) if bits <= INT64_SAFE_BITS else np.dtype(object)


def as_carrier(m, dtype) -> np.ndarray:
    """Convert an array of exact integers to `dtype` (int64, float64 or object) without loss."""
    m = np.asarray(m)
    dtype = np.dtype(dtype)
    if m.dtype == dtype:
        return m
    if dtype.kind == "O":
        if m.dtype.kind == "f":
            return np.vectorize(lambda v: int(v), otypes=[object])(m) if m.size else m.astype(object)
        return m.astype(object) if m.dtype.kind in "iu" else np.vectorize(int, otypes=[object])(m)
    limit_bits = FLOAT64_EXACT_BITS if dtype.kind == "f" else INT64_SAFE_BITS
    if m.size and max_bits(m) > limit_bits:
        raise OverflowError(f"mantissas need {max_bits(m)} bits; a {dtype} carrier holds {limit_bits} exactly")
    return m.astype(dtype)


def max_bits(m: np.ndarray) -> int:
    """Bit length of the largest magnitude in m (0 for an empty array)."""
    if m.size == 0:
        return 0
    if m.dtype == object:
        return max(abs(int(v)) for v in m.flat).bit_length()
    return max(abs(int(m.max())), abs(int(m.min()))).bit_length()


def floor_shift(m: np.ndarray, s: int) -> tuple[np.ndarray, np.ndarray]:
    """Split m into floor(m / 2**s) and the remainder m - q * 2**s, in m's carrier (s >= 1)."""
    if m.dtype.kind == "f":
        if s > 1000:
            raise OverflowError(f"shift by {s} bits exceeds the float64 carrier")
        q = np.floor(m * 2.0 ** -s)
        return q, m - q * 2.0 ** s
    if m.dtype == object or s > INT64_SAFE_BITS:
        m = m.astype(object)
        return m >> s, m & ((1 << s) - 1)
    return m >> s, m & ((1 << s) - 1)


def shift_left(m: np.ndarray, s: int) -> np.ndarray:
    """m * 2**s, exact in m's carrier; raises rather than overflow int64."""
    if s == 0:
        return m
    if m.dtype.kind == "f":
        return m * 2.0 ** s
    if m.dtype == object:
        return m << s
    if m.size and max_bits(m) + s > INT64_SAFE_BITS:
        return m.astype(object) << s
    return m << s
