"""Power-of-two helpers of QuantizeML (pow2, ceil_log2, floor_log2, round_log2), exact.

QuantizeML evaluates log2 in float32 and rounds the result, which misplaces values just above a power of
two. Here the exponent is read from the float's binary representation (np.frexp), as hardware reads the
leading one of an integer: the answers are exact for every finite positive float64.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from hwq.quantizeml.tensors.validation import float_array, integer_array

# The double nearest sqrt(2) lies above it, and no double lies between them: m > sqrt(2) <=> m >= _SQRT2_UP
_SQRT2_UP = float(np.sqrt(2.0))


def pow2(n) -> tf.Tensor:
    """2**n as float64 for integer exponents n (exact for -1022 <= n <= 1023)."""
    return tf.constant(np.ldexp(1.0, integer_array(n, "exponent").astype(np.int64)), dtype=tf.float64)


def ceil_log2(x) -> tf.Tensor:
    """The smallest integer k with 2**k >= x, for each positive x (int64): ceil_log2(7) = 3, ceil_log2(8) = 3."""
    return tf.constant(ceil_log2_array(x))


def floor_log2(x) -> tf.Tensor:
    """The largest integer k with 2**k <= x, for each positive x (int64): floor_log2(7) = 2."""
    return tf.constant(floor_log2_array(x))


def round_log2(x) -> tf.Tensor:
    """round(log2 x) for each positive x (int64): up exactly when x / 2**floor_log2(x) exceeds sqrt(2)."""
    return tf.constant(round_log2_array(x))


def floor_log2_array(x) -> np.ndarray:
    mantissa, exponent = np.frexp(_positive(x))  # x = mantissa * 2**exponent, mantissa in [0.5, 1)
    return (exponent - 1).astype(np.int64)


def ceil_log2_array(x) -> np.ndarray:
    mantissa, exponent = np.frexp(_positive(x))
    return np.where(mantissa == 0.5, exponent - 1, exponent).astype(np.int64)  # exact powers of two stay


def round_log2_array(x) -> np.ndarray:
    mantissa, exponent = np.frexp(_positive(x))
    # log2 x is never exactly k + 1/2 for a float x (2**(k+1/2) is irrational): no tie to break
    return np.where(2.0 * mantissa >= _SQRT2_UP, exponent, exponent - 1).astype(np.int64)


def _positive(x) -> np.ndarray:
    a = float_array(x, "log2 argument")
    if (a <= 0).any():
        raise ValueError("log2 needs positive values")
    return a
