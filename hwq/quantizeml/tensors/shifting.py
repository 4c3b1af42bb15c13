"""Element-wise power-of-two shifts of FixedPoint values, saturated to their value bits.

Rounding and saturation are hwq.fixed's (round_shift, apply_overflow), so QuantizeML's tensors and the rest of
hwq share one arithmetic. Per-channel fractional bits make the shift differ per element: each distinct shift is
applied to the elements that have it.
"""

from __future__ import annotations

import numpy as np

from hwq.fixed.carrier import INT64_SAFE_BITS, as_carrier, max_bits, shift_left
from hwq.fixed.fixed_type import FixedType
from hwq.fixed.modes import Overflow, Rounding
from hwq.fixed.overflow import apply_overflow
from hwq.fixed.rounding import round_shift

# Values have at most 53 bits: past 64, a left shift saturates every nonzero value and a right shift leaves 0 or
# -1 (its sign) whatever the distance, so longer shifts are clamped to 64 without changing any result.
SHIFT_CLAMP = 64


def saturating_type(value_bits: int) -> FixedType:
    """The integer type of a FixedPoint's values: value_bits plus a sign bit, saturating (QuantizeML's clip)."""
    return FixedType(value_bits + 1, value_bits + 1, True, Rounding.RND, Overflow.SAT)


def saturate(q: np.ndarray, value_bits: int) -> np.ndarray:
    """Clip integers (int64, object or whole floats, infinities included) to [-2**value_bits, 2**value_bits - 1]."""
    return apply_overflow(np.asarray(q), saturating_type(value_bits)).astype(np.int64)


def shift_values(values: np.ndarray, shifts: np.ndarray, value_bits: int, rounding: Rounding) -> np.ndarray:
    """values * 2**shifts element by element (shifts broadcast onto values): a positive shift moves left and
    saturates, a negative one drops bits rounded as `rounding` says; the result is saturated to value_bits."""
    shifts = np.broadcast_to(np.clip(np.asarray(shifts), -SHIFT_CLAMP, SHIFT_CLAMP).astype(np.int64), np.shape(values))
    out = np.empty(np.shape(values), dtype=np.int64)
    for s in np.unique(shifts):
        chosen = shifts == s
        out[chosen] = _shift_by(values[chosen], int(s), value_bits, rounding)
    return out


def _shift_by(values: np.ndarray, s: int, value_bits: int, rounding: Rounding) -> np.ndarray:
    if s < 0:
        return saturate(round_shift(values, -s, rounding), value_bits)
    return saturate(shift_left(values, s), value_bits)  # shift_left moves to Python ints rather than overflow


def exact_left_shift(values: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """values * 2**shifts for shifts >= 0, without saturation: int64 when it fits, Python ints otherwise."""
    values, shifts = np.broadcast_arrays(values, shifts)
    if not values.size:
        return values.astype(np.int64)
    if max_bits(values) + int(shifts.max()) <= INT64_SAFE_BITS:
        return np.left_shift(values, shifts)
    return np.left_shift(as_carrier(values, object), shifts.astype(object))
