"""WeightQuantizer: float weights to a QFloat (per-axis float scales) or a FixedPoint (power-of-two scales)."""

from __future__ import annotations

import numpy as np

from hwq.quantizeml.layers.base import register
from hwq.quantizeml.layers.quantizer import Quantizer
from hwq.quantizeml.layers.recorders import FixedPointRecorder, QFloatRecorder
from hwq.quantizeml.tensors import FixedPoint, QFloat, QTensor

# QuantizeML floors the scales so that an all-zero channel still gets a usable (tiny) scale
MIN_SCALE = 1e-6


@register
class WeightQuantizer(Quantizer):
    """Quantizes float weights on their largest absolute value, per tensor (axis None) or per last axis (-1).

    QFloat (default): scales = max(range / int_max, 1e-6) and integers round(w / scales) at 0 fractional bits,
    so each channel fills [-int_max, int_max]. FixedPoint (fp_quantizer=True): power-of-two scales, i.e.
    frac_bits = max_frac_bits(value_bits, range) per channel.
    """

    def __init__(self, bitwidth: int = 4, signed: bool = True, axis: int | None = -1, fp_quantizer: bool = False,
                 **kwargs) -> None:
        super().__init__(bitwidth, signed, **kwargs)
        if axis not in (None, -1):
            # the scales must broadcast onto the last axis (the output channels); others are reshaped by the layer
            raise self.fail(f"axis must be None (per-tensor) or -1 (per output channel), got {axis!r}")
        self.axis = axis
        self.fp_quantizer = bool(fp_quantizer)
        self.qweights = (FixedPointRecorder if self.fp_quantizer else QFloatRecorder)(self.name + "/qweights")

    def build(self, input_shape) -> None:
        self._reduced_axes = None if self.axis is None or len(input_shape) <= 1 else tuple(
            range(len(input_shape) - 1))
        super().build(input_shape)

    def call(self, inputs) -> QTensor:
        if isinstance(inputs, QTensor):
            raise self.fail(f"only float weights can be quantized, got a {type(inputs).__name__}", TypeError)
        weights = np.asarray(inputs.numpy() if hasattr(inputs, "numpy") else inputs, dtype=np.float64)
        ranges = np.max(np.abs(weights), axis=self._reduced_axes)
        if self.fp_quantizer:
            qweights = FixedPoint.quantize(weights, self.value_bits,
                                           FixedPoint.max_frac_bits(self.value_bits, ranges))
        else:
            scales = np.maximum(QFloat.optimal_scales(ranges, self.value_bits).numpy(), MIN_SCALE)
            qweights = QFloat.quantize(weights, self.value_bits, scales, 0)
        return self.qweights(qweights)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axis": self.axis, "fp_quantizer": self.fp_quantizer})
        return config
