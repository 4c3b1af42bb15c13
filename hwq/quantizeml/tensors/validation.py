"""Checks shared by the QuantizeML tensors: bit widths, integer arrays, fractional bits.

Values live in int64 numpy arrays. The limits below are what keeps every operation exact there.
"""

from __future__ import annotations

import numpy as np

from hwq.fixed.carrier import INT64_SAFE_BITS, as_carrier

# A value needs value_bits + 1 bits with its sign: up to 52 value bits, the sum of two values still fits int64
# and every value is an exact float64, so to_float() never rounds the integer part.
MAX_VALUE_BITS = 52
# |frac_bits| up to 900 keeps value * 2**-frac_bits a normal float64 (no flush to zero, no overflow to inf).
FRAC_BITS_LIMIT = 900


def as_numpy(x) -> np.ndarray:
    """A tf.Tensor, numpy array, list or scalar as a numpy array (no copy when it already is one)."""
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x)


def check_value_bits(value_bits, what: str = "value_bits") -> int:
    """value_bits as a Python int in [0, MAX_VALUE_BITS]; TypeError or ValueError otherwise."""
    if isinstance(value_bits, bool) or not isinstance(value_bits, int | np.integer):
        raise TypeError(f"{what} must be an integer, got {value_bits!r}")
    if not 0 <= value_bits <= MAX_VALUE_BITS:
        raise ValueError(f"{what} must lie in [0, {MAX_VALUE_BITS}] (int64 values, exact float64 view), "
                         f"got {value_bits}")
    return int(value_bits)


def integer_array(x, what: str) -> np.ndarray:
    """x as exact integers: int64 when they fit, an object array of Python ints otherwise.

    Floats are accepted when they hold whole numbers; fractions, NaN and infinities raise ValueError.
    """
    a = as_numpy(x)
    if a.dtype == bool:
        return a.astype(np.int64)
    if a.dtype.kind in "iu":
        return a.astype(object) if a.dtype == np.uint64 else a.astype(np.int64)
    if a.dtype.kind == "f":
        return _whole_floats(a, what)
    if a.dtype == object:
        return np.vectorize(lambda v: _python_int(v, what), otypes=[object])(a) if a.size else a
    raise TypeError(f"{what} must be integers, got an array of {a.dtype}")


def _whole_floats(a: np.ndarray, what: str) -> np.ndarray:
    if not np.isfinite(a).all():
        raise ValueError(f"{what} must be finite integers, got NaN or infinity")
    if not (a == np.floor(a)).all():
        raise ValueError(f"{what} must be integers, got fractional values such as {a[a != np.floor(a)].flat[0]!r}")
    if a.size and np.abs(a).max() >= 2.0 ** INT64_SAFE_BITS:
        return as_carrier(a, object)
    return a.astype(np.int64)


def _python_int(v, what: str) -> int:
    if isinstance(v, bool | int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating) and np.isfinite(v) and v == int(v):
        return int(v)
    raise ValueError(f"{what} must be integers, got {v!r}")


def frac_bits_array(frac_bits, values_shape: tuple[int, ...]) -> np.ndarray:
    """Fractional bits as a read-only int64 array: a scalar, or one per channel along the last axis."""
    f = integer_array(frac_bits, "frac_bits")
    if f.ndim > 1:
        f = np.squeeze(f)  # as QuantizeML: (1, n) is accepted as (n,)
    if f.ndim > 1:
        raise ValueError(f"frac_bits must be a scalar or a one-dimensional array, got shape {f.shape}")
    if f.size and np.abs(f).max() > FRAC_BITS_LIMIT:
        raise ValueError(f"frac_bits must lie in [-{FRAC_BITS_LIMIT}, {FRAC_BITS_LIMIT}], got {f.max()}/{f.min()}")
    check_broadcast(f.shape, values_shape, "frac_bits")
    return read_only(f.astype(np.int64))


def check_broadcast(shape: tuple[int, ...], values_shape: tuple[int, ...], what: str) -> None:
    """Raise unless an array of `shape` broadcasts onto values of `values_shape` without enlarging them."""
    try:
        ok = np.broadcast_shapes(shape, tuple(values_shape)) == tuple(values_shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{what} of shape {shape} does not broadcast onto values of shape {tuple(values_shape)}")


def float_array(x, what: str) -> np.ndarray:
    """x as finite float64 (exact for float32 and for integers below 2**53); ValueError otherwise."""
    a = as_numpy(x)
    if a.dtype.kind in "iu" and a.size and max(abs(int(v)) for v in a.flat) > 2**53:
        raise ValueError(f"{what}: integers above 2**53 have no exact float64")
    if a.dtype.kind not in "iubf":
        raise TypeError(f"{what} must be real numbers, got an array of {a.dtype}")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise ValueError(f"{what} must be finite, got NaN or infinity")
    return a


def read_only(a: np.ndarray) -> np.ndarray:
    """Freeze an array held by an immutable tensor, so that no caller can change it in place."""
    a = np.array(a, copy=True)  # the caller may still hold the original
    a.flags.writeable = False
    return a
