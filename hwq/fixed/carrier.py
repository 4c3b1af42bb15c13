"""Numpy arrays that hold integer mantissas exactly.

Four carriers hold the same integers: float32 and float64 (fast, BLAS-able; used below 2**23 and
2**52, one bit short of their significands so that rounding's x +- 0.5 stays exact), int64 (below
2**62 here, leaving room for one addition) and object arrays of Python ints (any size, slow).
Every function in hwq.fixed works on all of them; callers pick one from a proven bound.
"""

from __future__ import annotations

import numpy as np

INT64_SAFE_BITS = 62
FLOAT64_EXACT_BITS = 52
FLOAT32_EXACT_BITS = 23


def float_exact_bits(dtype) -> int:
    """Magnitude bits a float carrier holds exactly, with the spare bit rounding needs."""
    return FLOAT32_EXACT_BITS if np.dtype(dtype).itemsize == 4 else FLOAT64_EXACT_BITS


def fastest_carrier(bits: int) -> np.dtype:
    """The fastest exact carrier for integers below 2**bits in magnitude."""
    if bits <= FLOAT32_EXACT_BITS:
        return np.dtype(np.float32)
    if bits <= FLOAT64_EXACT_BITS:
        return np.dtype(np.float64)
    return carrier_for_bits(bits)


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
    limit_bits = float_exact_bits(dtype) if dtype.kind == "f" else INT64_SAFE_BITS
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
    if m.dtype.kind == "f" and s >= FLOAT64_EXACT_BITS:
        m = as_carrier(m, object)  # the remainder m + 2**s of a negative m would round in float64
    if m.dtype.kind == "f":
        q = np.floor(m * m.dtype.type(2.0 ** -s))
        return q, m - q * m.dtype.type(2.0 ** s)
    if m.dtype == object or s > INT64_SAFE_BITS:
        m = m.astype(object)
        return m >> s, m & ((1 << s) - 1)
    return m >> s, m & ((1 << s) - 1)


def shift_left(m: np.ndarray, s: int) -> np.ndarray:
    """m * 2**s, exact in m's carrier; raises rather than overflow int64."""
    if s == 0:
        return m
    if m.dtype.kind == "f":
        if float_exact_bits(m.dtype) + s >= np.finfo(m.dtype).maxexp:  # m * 2**s would overflow to inf
            return as_carrier(m, object) << s
        return m * m.dtype.type(2.0 ** s)
    if m.dtype == object:
        return m << s
    if m.size and max_bits(m) + s > INT64_SAFE_BITS:
        return m.astype(object) << s
    return m << s
