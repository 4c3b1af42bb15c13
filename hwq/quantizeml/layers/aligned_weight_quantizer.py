"""AlignedWeightQuantizer: a float tensor (a bias, a clip value) quantized onto another QTensor's grid."""

from __future__ import annotations

import numpy as np

from hwq.quantizeml.layers.base import register
from hwq.quantizeml.layers.quantizer import Quantizer
from hwq.quantizeml.layers.recorders import FixedPointRecorder, QFloatRecorder, TensorRecorder
from hwq.quantizeml.tensors import FixedPoint, QFloat, QTensor


@register
class AlignedWeightQuantizer(Quantizer):
    """Quantizes float values with `bitwidth` bits on the scales of `other`, then aligns them on its frac_bits.

    The fractional bits are the most that hold max|x| in value_bits (per channel of other's scales), but never
    more than other's: the final upscale to other's frac_bits is then an exact left shift, and the result can be
    added to `other` directly. A QFloat `other` gives a QFloat with the same scales; a FixedPoint `other`
    (an extension of QuantizeML, which takes QFloat only) gives a FixedPoint.
    """

    def __init__(self, bitwidth: int = 8, signed: bool = True, **kwargs) -> None:
        super().__init__(bitwidth, signed, **kwargs)
        self.shift = TensorRecorder(self.name + "/shift")
        self.qweights = QFloatRecorder(self.name + "/qweights")  # a FixedPointRecorder once aligned on one

    def call(self, inputs, other):
        if isinstance(inputs, QTensor):
            raise self.fail(f"only float values can be quantized, got a {type(inputs).__name__}", TypeError)
        if not isinstance(other, QTensor):
            raise self.fail(f"other must be a QFloat or a FixedPoint, got {type(other).__name__}", TypeError)
        x = np.asarray(inputs.numpy() if hasattr(inputs, "numpy") else inputs, dtype=np.float64)
        target = other.fp if isinstance(other, QFloat) else other
        ranges = np.max(np.abs(x)) if x.size else 0.0
        if isinstance(other, QFloat):
            ideal = QFloat.max_frac_bits(self.value_bits, ranges, other.scales).numpy()
        else:
            ideal = FixedPoint.max_frac_bits(self.value_bits, ranges).numpy()
        frac_bits = np.minimum(ideal, target.frac_bits.numpy())
        x = np.broadcast_to(x, np.broadcast_shapes(x.shape, frac_bits.shape))  # a scalar on a per-axis grid
        if isinstance(other, QFloat):
            quantized = QFloat.quantize(x, self.value_bits, other.scales, frac_bits)
        else:
            quantized = FixedPoint.quantize(x, self.value_bits, frac_bits)
        aligned, shift = quantized.upscale(target.frac_bits, target.value_bits)
        self.shift(shift)
        if isinstance(aligned, FixedPoint) and not isinstance(self.qweights, FixedPointRecorder):
            self.qweights = FixedPointRecorder(self.name + "/qweights")
        return self.qweights(aligned)
