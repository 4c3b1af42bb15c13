"""QFloat: a FixedPoint times float scales, QuantizeML's representation of a float tensor.

The scales are float64 numbers (QuantizeML: float32); hardware never sees them as floats, only through
quantize_scales()/to_fixed_point(), which turn them into FixedPoint integers.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from hwq.quantizeml.tensors.fixed_point import FixedPoint
from hwq.quantizeml.tensors.qtensor import QTensor
from hwq.quantizeml.tensors.validation import as_numpy, check_broadcast, check_value_bits, float_array, read_only


class QFloat(QTensor):
    """fp.to_float() * scales: FixedPoint values with one float scale per tensor or per channel (last axis)."""

    def __init__(self, fp: FixedPoint, scales) -> None:
        if not isinstance(fp, FixedPoint):
            raise TypeError(f"fp must be a FixedPoint, got {type(fp).__name__}")
        s = float_array(scales, "scales")
        if s.ndim > 1:
            s = np.squeeze(s)
        if s.ndim > 1:
            raise ValueError(f"The scales must be a scalar or a one-dimensional array, got shape {s.shape}")
        check_broadcast(s.shape, tuple(fp.shape), "scales")
        self._fp = fp
        self._scales = read_only(s)
        super().__init__(fp.shape, fp.name)

    @property
    def fp(self) -> FixedPoint:
        return self._fp

    @property
    def scales(self) -> tf.Tensor:
        """The scales (float64)."""
        return tf.constant(self._scales)

    @property
    def values(self) -> tf.Tensor:
        return self._fp.values

    @property
    def frac_bits(self) -> tf.Tensor:
        return self._fp.frac_bits

    @property
    def value_bits(self) -> int:
        return self._fp.value_bits

    @property
    def per_tensor(self) -> bool:
        return self._fp.per_tensor and self._scales.ndim == 0

    @staticmethod
    def max_frac_bits(value_bits: int, ranges, scales, clamp: bool = True) -> tf.Tensor:
        """FixedPoint.max_frac_bits of the ranges divided by the scales."""
        return FixedPoint.max_frac_bits(value_bits, _divide(ranges, scales), clamp)

    @staticmethod
    def optimal_scales(ranges, value_bits: int) -> tf.Tensor:
        """ranges / int_max (float64): the scales that bring the ranges onto [-int_max, int_max]."""
        int_max = QTensor.int_max(check_value_bits(value_bits))
        if int_max == 0:
            raise ValueError("optimal scales need value_bits >= 1 (int_max is 0 for 0 bits)")
        return tf.constant(float_array(ranges, "ranges") / int_max)

    @staticmethod
    def quantize_scales(scales, scale_bits: int) -> FixedPoint:
        """The scales as a FixedPoint of scale_bits, with the fractional bits that fill them (not clamped)."""
        frac_bits = FixedPoint.max_frac_bits(scale_bits, scales, clamp=False)
        return FixedPoint.quantize(scales, scale_bits, frac_bits)

    @staticmethod
    def quantize(x, value_bits: int, scales, frac_bits=0) -> QFloat:
        """QFloat(FixedPoint.quantize(x / scales, value_bits, frac_bits), scales); x / scales in float64."""
        return QFloat(FixedPoint.quantize(_divide(x, scales), value_bits, frac_bits), scales)

    def to_float(self) -> tf.Tensor:
        """fp.to_float() * scales in float64 (one rounding, in the product)."""
        return tf.constant(as_numpy(self._fp.to_float()) * self._scales)

    def to_fixed_point(self, scale_bits: int = 8) -> tuple[FixedPoint, FixedPoint]:
        """(fp * quantized scales, quantized scales): the QFloat as integers only; the product keeps fp's
        value_bits and saturates to them."""
        scales = QFloat.quantize_scales(self._scales, scale_bits)
        return self._fp * scales, scales

    def upscale(self, frac_bits, value_bits: int | None = None) -> tuple:
        """(QFloat with fp upscaled, shift); the scales are unchanged."""
        fp, shift = self._fp.upscale(frac_bits, value_bits)
        return QFloat(fp, self._scales), shift

    def expand(self, value_bits: int) -> tuple:
        """(QFloat with fp expanded, shift); the scales are unchanged."""
        fp, shift = self._fp.expand(value_bits)
        return QFloat(fp, self._scales), shift

    def promote(self, bits: int) -> QFloat:
        """The same QFloat with more value bits."""
        return QFloat(self._fp.promote(bits), self._scales)

    def __add__(self, other):
        return QFloat(self._fp + self._same_scales(other, "+")._fp, self._scales)

    def __sub__(self, other):
        return QFloat(self._fp - self._same_scales(other, "-")._fp, self._scales)

    def _same_scales(self, other, symbol: str) -> QFloat:
        if not isinstance(other, QFloat):
            raise TypeError(f"Unsupported operand type(s) for {symbol}: 'QFloat' and '{type(other)}'")
        try:
            same = bool(np.all(self._scales == other._scales))
        except ValueError:
            same = False
        if not same:
            raise ValueError(f"{self.name} and {other.name} have different scales.")
        return other

    def __mul__(self, other):
        """QFloat * QFloat (this one per-tensor): fp product, scales product."""
        if not isinstance(other, QFloat):
            return NotImplemented
        self.assert_per_tensor()
        return QFloat(self._fp * other._fp, self._scales * other._scales)

    def __rmul__(self, other):
        """FixedPoint (per-tensor) * QFloat: a QFloat with this one's scales."""
        if not isinstance(other, FixedPoint):
            return NotImplemented
        other.assert_per_tensor()
        return QFloat(other * self._fp, self._scales)

    def __truediv__(self, other):
        """By a per-tensor FixedPoint: divides fp; by a number or array: divides the scales."""
        if isinstance(other, FixedPoint):
            other.assert_per_tensor()
            return QFloat(self._fp / other, self._scales)
        return QFloat(self._fp, _divide(self._scales, other))

    def __repr__(self) -> str:
        return f"QFloat(fp={self._fp!r}, scales={self._scales.tolist()})"


def _divide(x, scales) -> np.ndarray:
    scales = float_array(scales, "scales")
    if (scales == 0).any():
        raise ValueError("scales must be nonzero")
    return float_array(x, "x") / scales
