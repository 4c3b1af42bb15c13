"""FixedPoint: a tensor of integers, each read as value * 2**-frac_bits (QuantizeML's quantizeml.tensors)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from hwq.fixed.fixed_type import FixedType
from hwq.fixed.modes import Rounding
from hwq.fixed.rounding import round_float
from hwq.quantizeml.tensors.conversions import fixed_type_for, mantissas_of, value_bits_of
from hwq.quantizeml.tensors.fixed_point_operators import FixedPointOperators
from hwq.quantizeml.tensors.fixed_point_scaling import FixedPointScaling
from hwq.quantizeml.tensors.functions import ceil_log2_array
from hwq.quantizeml.tensors.qtensor import QTensor
from hwq.quantizeml.tensors.shifting import saturate
from hwq.quantizeml.tensors.validation import (
    check_value_bits,
    float_array,
    frac_bits_array,
    integer_array,
    read_only,
)

# Float to integer rounds to nearest with ties to even: what QuantizeML's quantize (tf.math.round) does.
QUANTIZE_ROUNDING = Rounding.RND_CONV


class FixedPoint(FixedPointScaling, FixedPointOperators, QTensor):
    """Integer values in [-int_max - 1, int_max], int_max = 2**value_bits - 1, each read as value * 2**-frac_bits.

    Values outside are clipped (saturated) on construction. frac_bits is a scalar (per-tensor) or one integer per
    channel of the last axis (per-axis). Values are int64 numpy arrays; properties hand out tf tensors.
    """

    def __init__(self, values, value_bits: int, frac_bits, *, name: str = "no-name") -> None:
        self._value_bits = check_value_bits(value_bits)
        self._values = read_only(saturate(integer_array(values, "values"), self._value_bits))
        self._frac_bits = frac_bits_array(frac_bits, self._values.shape)
        super().__init__(self._values.shape, name)

    @property
    def values(self) -> tf.Tensor:
        """The integer values (int64)."""
        return tf.constant(self._values)

    @property
    def value_bits(self) -> int:
        return self._value_bits

    @property
    def frac_bits(self) -> tf.Tensor:
        """The fractional bits (int64): a scalar, or one per channel of the last axis."""
        return tf.constant(self._frac_bits)

    @property
    def per_tensor(self) -> bool:
        return self._frac_bits.ndim == 0 or self._frac_bits.shape == (1,)

    @property
    def sign(self) -> FixedPoint:
        """-1, 0 or 1 for each value, with no fractional bits (1 saturates to 0 when value_bits is 0)."""
        return FixedPoint(np.sign(self._values), self._value_bits, 0)

    def abs(self) -> FixedPoint:
        """|values|, same bits; the lowest value -2**value_bits saturates to int_max."""
        return FixedPoint(np.abs(self._values), self._value_bits, self._frac_bits)

    __abs__ = abs

    def to_float(self) -> tf.Tensor:
        """values * 2**-frac_bits as float64: exact, since values have at most 53 bits."""
        return tf.constant(np.ldexp(self._values.astype(np.float64), -self._frac_bits))

    def promote(self, bits: int) -> FixedPoint:
        """The same values with more value bits (fewer raises: that needs a quantizer)."""
        if isinstance(bits, bool) or not isinstance(bits, int):
            raise TypeError("Bitwidth must be an integer")
        if bits < 0:
            raise ValueError("Invalid bitwidth")
        if bits < self._value_bits:
            raise ValueError(f"Cannot reduce value bits from {self._value_bits} to {bits}: use a quantizer instead")
        return FixedPoint(self._values, bits, self._frac_bits)

    @staticmethod
    def max_frac_bits(value_bits: int, ranges, clamp: bool = True) -> tf.Tensor:
        """value_bits - ceil(log2(ranges)): the lowest bit that still leaves room for the ranges (int64).

        Negative when a range exceeds 2**value_bits; clamped to value_bits when `clamp` (a zero range then gets
        value_bits, and raises without clamp, having no finite answer).
        """
        return tf.constant(max_frac_bits_array(value_bits, ranges, clamp))

    @staticmethod
    def quantize(x, value_bits: int, frac_bits=None) -> FixedPoint:
        """round(x * 2**frac_bits), ties to even, clipped to [-2**value_bits, 2**value_bits - 1].

        Without frac_bits: 0 when x holds whole numbers only, else max_frac_bits(value_bits, max|x|).
        """
        value_bits = check_value_bits(value_bits)
        x = float_array(x, "x")
        if frac_bits is None:
            frac_bits = _natural_frac_bits(x, value_bits)
        frac = frac_bits_array(frac_bits, x.shape)
        # scaling by a power of two is exact; beyond float64 it becomes inf, which saturates like the true value
        with np.errstate(over="ignore"):
            scaled = np.ldexp(x, frac)
        return FixedPoint(saturate(round_float(scaled, QUANTIZE_ROUNDING), value_bits), value_bits, frac)

    def fixed_type(self) -> FixedType:
        """The hwq.fixed type of the values (per-tensor only): signed, value_bits + 1 wide, RND, SAT."""
        self.assert_per_tensor()
        return fixed_type_for(self._value_bits, int(self._frac_bits.reshape(-1)[0]))

    def fixed_types(self) -> list[FixedType]:
        """One hwq.fixed type per channel (a single one when per-tensor)."""
        return [fixed_type_for(self._value_bits, int(f)) for f in self._frac_bits.reshape(-1)]

    @staticmethod
    def from_fixed(mantissas, fixed_type: FixedType) -> FixedPoint:
        """The FixedPoint holding hwq.fixed mantissas of `fixed_type` (which must hold them) unchanged."""
        return FixedPoint(mantissas_of(mantissas, fixed_type), value_bits_of(fixed_type), fixed_type.frac)

    def __repr__(self) -> str:
        return f"FixedPoint(values={self._values.tolist()}, value_bits={self._value_bits}, " \
               f"frac_bits={self._frac_bits.tolist()})"


def max_frac_bits_array(value_bits: int, ranges, clamp: bool) -> np.ndarray:
    value_bits = check_value_bits(value_bits)
    r = float_array(ranges, "ranges")
    if (r < 0).any():
        raise ValueError("quantization ranges must be non-negative")
    zero = r == 0
    if zero.any() and not clamp:
        raise ValueError("a zero range has no finite fractional bits (log2(0) = -inf): use clamp=True")
    frac = value_bits - ceil_log2_array(np.where(zero, 1.0, r))
    return np.where(zero, value_bits, np.minimum(frac, value_bits)) if clamp else frac


def _natural_frac_bits(x: np.ndarray, value_bits: int):
    if (x == np.round(x)).all():
        return 0  # whole numbers need no quantization
    return max_frac_bits_array(value_bits, np.abs(x).max(), clamp=True)
