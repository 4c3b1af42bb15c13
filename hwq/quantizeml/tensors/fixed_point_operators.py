"""FixedPoint arithmetic and comparisons, with QuantizeML's rules, on exact integers.

- + and - need equal fractional bits (align() first); an int operand is quantized to 32 value bits first.
- * multiplies values and adds fractional bits; / divides values truncating toward zero (C integer division)
  and subtracts fractional bits; ** is repeated *. Each result keeps the left operand's value_bits and
  saturates to them, as every FixedPoint construction does.
- >> only moves the binary point (frac_bits + shift, values unchanged); << shifts values left, saturating.
- Comparisons align both operands exactly (no saturation) and return a bool tensor.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from hwq.fixed.modes import Rounding
from hwq.fixed.ops import multiply
from hwq.quantizeml.tensors.conversions import fixed_type_for
from hwq.quantizeml.tensors.shifting import exact_left_shift, shift_values
from hwq.quantizeml.tensors.validation import check_broadcast, integer_array

INT_OPERAND_BITS = 32  # QuantizeML reads a Python int operand as a 32-bit FixedPoint


class FixedPointOperators:
    """Mixed into FixedPoint; works on its _values, _value_bits and _frac_bits."""

    def __add__(self, other):
        return self._add_or_subtract(other, "+", np.add)

    def __sub__(self, other):
        return self._add_or_subtract(other, "-", np.subtract)

    def _add_or_subtract(self, other, symbol: str, op):
        if _is_int(other):
            # one copy of the int per channel when frac_bits are per-axis
            other = type(self).quantize(np.full(self._frac_bits.shape, int(other)), INT_OPERAND_BITS, self._frac_bits)
        if not isinstance(other, type(self)):
            raise TypeError(f"Unsupported operand type(s) for {symbol}: 'FixedPoint' and '{type(other)}'")
        self._require_aligned(other)
        return type(self)(op(self._values, other._values), self._value_bits, self._frac_bits)

    def _require_aligned(self, other) -> None:
        try:
            aligned = bool(np.all(self._frac_bits == other._frac_bits))
        except ValueError:  # shapes that do not broadcast
            aligned = False
        if not aligned:
            raise ValueError(f"{self.name} and {other.name} are not aligned: frac_bits {self._frac_bits.tolist()} "
                             f"and {other._frac_bits.tolist()} (use align() first)")

    def __mul__(self, other):
        if not isinstance(other, type(self)):
            return NotImplemented  # QFloat.__rmul__ takes FixedPoint * QFloat
        # hwq.fixed's exact product: int64, or Python ints when the product may pass 62 bits
        product, _ = multiply(self._values, fixed_type_for(self._value_bits, 0),
                              other._values, fixed_type_for(other._value_bits, 0))
        return type(self)(product, self._value_bits, self._frac_bits + other._frac_bits)

    def __truediv__(self, other):
        if _is_int(other):
            other = type(self)(int(other), INT_OPERAND_BITS, 0)
        if not isinstance(other, type(self)):
            raise TypeError(f"Unsupported operand type(s) for /: 'FixedPoint' and '{type(other)}'")
        if (other._values == 0).any():
            raise ZeroDivisionError("Cannot divide by 0.")
        quotient = truncated_divide(self._values, other._values)
        return type(self)(quotient, self._value_bits, self._frac_bits - other._frac_bits)

    def __pow__(self, power):
        if not _is_int(power):
            raise TypeError(f"Unsupported operand type(s) for **: 'FixedPoint' and '{type(power)}'")
        if power < 0:
            raise NotImplementedError("Negative powers are not implemented yet")
        if power == 0:
            return type(self)(np.ones_like(self._values), self._value_bits, 0)
        if power == 1:
            return self.clone()
        return self * self ** (power - 1)  # QuantizeML's order: each partial product saturates

    def __rshift__(self, shift):
        """Divide by 2**shift by moving the binary point: free in hardware, values untouched."""
        shift = _non_negative_shift(shift)
        if shift.ndim > self._frac_bits.ndim:
            raise ValueError(f"The shift's rank must be less than or equal to the rank of frac_bits "
                             f"({shift.ndim} > {self._frac_bits.ndim}): use FixedPoint.shift instead of '>>'.")
        return type(self)(self._values, self._value_bits, self._frac_bits + shift)

    def __lshift__(self, shift):
        """Multiply the values by 2**shift, saturating; frac_bits kept."""
        shift = _non_negative_shift(shift)
        check_broadcast(shift.shape, self._values.shape, "shift")
        values = shift_values(self._values, shift, self._value_bits, Rounding.TRN)  # left only: nothing rounds
        return type(self)(values, self._value_bits, self._frac_bits)

    def _aligned_values(self, other, symbol: str) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(other, type(self)):
            raise TypeError(f"Unsupported operand type(s) for {symbol}: 'FixedPoint' and '{type(other)}'")
        frac = np.maximum(self._frac_bits, other._frac_bits)
        return (exact_left_shift(self._values, frac - self._frac_bits),
                exact_left_shift(other._values, frac - other._frac_bits))

    def _compare(self, other, symbol: str, op) -> tf.Tensor:
        mine, theirs = self._aligned_values(other, symbol)
        return tf.constant(np.asarray(op(mine, theirs), dtype=bool))

    def __eq__(self, other):
        return self._compare(other, "==", np.equal)

    def __ne__(self, other):
        return self._compare(other, "!=", np.not_equal)

    def __lt__(self, other):
        return self._compare(other, "<", np.less)

    def __le__(self, other):
        return self._compare(other, "<=", np.less_equal)

    def __gt__(self, other):
        return self._compare(other, ">", np.greater)

    def __ge__(self, other):
        return self._compare(other, ">=", np.greater_equal)


def truncated_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b rounded toward zero, exactly (integers, b nonzero): what C's integer division gives."""
    quotient = np.floor_divide(np.abs(a), np.abs(b))
    return np.where((a < 0) != (b < 0), -quotient, quotient)


def _is_int(x) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _non_negative_shift(shift) -> np.ndarray:
    shift = integer_array(shift, "shift")
    if (shift < 0).any():
        raise ValueError("Shift must be all positive")
    return shift
