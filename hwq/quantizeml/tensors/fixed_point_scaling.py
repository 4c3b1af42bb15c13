"""FixedPoint methods that move the binary point: rescale, upscale, downscale, align, expand, floor, shift.

The ones QuantizeML gives a shift return it next to the result, (FixedPoint, shift) with shift = new - old
frac_bits, as its code does (its documentation says "the FixedPoint" for rescale, upscale and downscale).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from hwq.fixed.modes import Rounding
from hwq.quantizeml.tensors.shifting import shift_values
from hwq.quantizeml.tensors.validation import check_broadcast, check_value_bits, frac_bits_array, integer_array

# A rescale to fewer fractional bits rounds to nearest, ties toward +inf: add half an LSB, then shift right,
# the rounding adder hardware uses (and QuantizeML's floor(x + 0.5)).
RESCALE_ROUNDING = Rounding.RND
# shift() and floor() drop bits: an arithmetic right shift, i.e. toward -inf.
FLOOR_ROUNDING = Rounding.TRN


class FixedPointScaling:
    """Mixed into FixedPoint; works on its _values, _value_bits and _frac_bits."""

    def rescale(self, frac_bits, value_bits: int | None = None) -> tuple:
        """Move to `frac_bits` (and `value_bits`): left shift when precision grows, rounded (half up) right
        shift when it shrinks. A left shift of value_bits or more would always saturate: ValueError."""
        value_bits = self._value_bits if value_bits is None else check_value_bits(value_bits)
        target = frac_bits_array(frac_bits, self._values.shape)
        shift = target - self._frac_bits
        if (shift >= value_bits).any():
            raise ValueError(f"Cannot rescale {self.name} to {target.tolist()} fractional bits as it will "
                             f"saturate its {value_bits} buffer")
        values = shift_values(self._values, shift, value_bits, RESCALE_ROUNDING)
        return type(self)(values, value_bits, target), tf.constant(shift)

    def upscale(self, frac_bits, value_bits: int | None = None) -> tuple:
        """rescale() to a precision at least the current one on every channel (else ValueError)."""
        target = frac_bits_array(frac_bits, self._values.shape)
        if (target < self._frac_bits).any():
            raise ValueError(f"Cannot increase {self.name} precision because the target precision "
                             f"({target.tolist()}) is lower than the current one ({self._frac_bits.tolist()})")
        return self.rescale(target, value_bits)

    def downscale(self, frac_bits) -> tuple:
        """rescale() to a precision at most the current one on every channel (else ValueError)."""
        target = frac_bits_array(frac_bits, self._values.shape)
        if (target > self._frac_bits).any():
            raise ValueError(f"Cannot reduce {self.name} precision because the target precision "
                             f"({target.tolist()}) is higher than the current one ({self._frac_bits.tolist()})")
        return self.rescale(target)

    def align(self, other, value_bits: int | None = None) -> tuple:
        """upscale() to the larger of this and `other`'s fractional bits, channel by channel, so that the two
        can be added; returns (FixedPoint, shift)."""
        if not isinstance(other, type(self)):
            raise ValueError("Other must be a FixedPoint.")
        check_broadcast(other._frac_bits.shape, self._values.shape, "the other FixedPoint's frac_bits")
        return self.upscale(np.maximum(self._frac_bits, other._frac_bits), value_bits)

    def expand(self, value_bits: int) -> tuple:
        """upscale() to `value_bits` (not fewer than now) and one scalar frac_bits, the largest channel's."""
        if value_bits < self._value_bits:
            raise ValueError(f"Cannot reduce {self.name} bitwidth from {self._value_bits} to {value_bits}:"
                             " use a quantizer instead.")
        return self.upscale(self._frac_bits.max(), value_bits)

    def floor(self) -> tuple:
        """The integer part (toward -inf) with no fractional bits, and the shift applied (the old frac_bits)."""
        values = shift_values(self._values, -self._frac_bits, self._value_bits, FLOOR_ROUNDING)
        return type(self)(values, self._value_bits, 0), tf.constant(self._frac_bits)

    def shift(self, s):
        """values * 2**s element-wise (s broadcast onto the values), frac_bits and value_bits kept: a left
        shift (s > 0) saturates, a right shift (s < 0) floors."""
        s = integer_array(s, "shift")
        check_broadcast(s.shape, self._values.shape, "shift")
        values = shift_values(self._values, s, self._value_bits, FLOOR_ROUNDING)
        return type(self)(values, self._value_bits, self._frac_bits)
