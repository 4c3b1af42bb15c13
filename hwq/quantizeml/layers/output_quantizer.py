"""OutputQuantizer: a layer's wide result brought down to `bitwidth` bits on power-of-two scales.

In hardware: a QFloat result (accumulator integers times float scales) is first multiplied by its scales quantized
to `scale_bits`-bit integers (one multiplier per channel, saturating to the buffer), then every channel is
shifted right with rounding (half up) to frac_bits and saturated to `bitwidth` bits.
"""

from __future__ import annotations

import numpy as np

from hwq.quantizeml.layers.base import default_buffer_bits, register
from hwq.quantizeml.layers.quantizer import Quantizer
from hwq.quantizeml.layers.recorders import FixedPointRecorder, TensorRecorder
from hwq.quantizeml.tensors import FixedPoint, QFloat, QTensor

AXES = ("per-tensor", "per-axis")


@register
class OutputQuantizer(Quantizer):
    """Quantizes a QTensor to `bitwidth` bits with the fractional bits that hold the calibrated `range_max`.

    `range_max` (a scalar, or one value per channel of the last axis when axis is 'per-axis') is set by
    calibration (see OutputObserver); its initial value 1 means "not calibrated". frac_bits =
    max_frac_bits(value_bits, range_max), clamped to value_bits.
    """

    def __init__(self, bitwidth: int = 8, signed: bool = True, axis: str = "per-tensor", scale_bits: int = 8,
                 buffer_bitwidth: int | None = None, **kwargs) -> None:
        super().__init__(bitwidth, signed, **kwargs)
        if axis not in AXES:
            raise self.fail(f"axis must be 'per-tensor' or 'per-axis', got {axis!r}")
        if isinstance(scale_bits, bool) or not isinstance(scale_bits, int) or scale_bits < 1:
            raise self.fail(f"scale_bits must be a positive int, got {scale_bits!r}")
        buffer_bitwidth = default_buffer_bits() if buffer_bitwidth is None else buffer_bitwidth  # the current params'
        if isinstance(buffer_bitwidth, bool) or not isinstance(buffer_bitwidth, int) or buffer_bitwidth < 2:
            raise self.fail(f"buffer_bitwidth must be an int >= 2, got {buffer_bitwidth!r}")
        self.axis = axis
        self.scale_bits = scale_bits
        self.buffer_bitwidth = buffer_bitwidth
        self.shift = TensorRecorder(self.name + "/shift")
        self.qscales = FixedPointRecorder(self.name + "/qscales")

    def build(self, input_shape) -> None:
        if self.axis == "per-axis" and len(input_shape) < 3:
            raise self.fail(f"per-axis quantization needs inputs of rank 3 or more, got shape {input_shape}")
        shape = (input_shape[-1],) if self.axis == "per-axis" else ()
        # float32 as QuantizeML: only its power-of-two envelope (frac_bits) reaches the hardware
        self.range_max = self.add_weight(name="range_max", shape=shape, dtype="float32", initializer="ones",
                                         trainable=False)
        super().build(input_shape)

    @property
    def frac_bits(self):
        """The output fractional bits (int64 tf.Tensor): a scalar, or one per channel when per-axis."""
        return FixedPoint.max_frac_bits(self.value_bits, self.range_max.numpy())

    def call(self, inputs) -> FixedPoint:
        if not isinstance(inputs, QTensor):
            raise self.fail(f"accepts QTensor inputs only, got {type(inputs).__name__}", TypeError)
        wide = self._as_fixed_point(inputs)
        if wide.value_bits <= self.value_bits:
            raise self.fail(f"quantizing a {wide.value_bits}-bit QTensor to {self.value_bits} value bits is "
                            "pointless: promote it instead")
        outputs, shift = wide.rescale(self.frac_bits, self.value_bits)
        self.shift(shift)
        if not self.signed:
            # an unsigned register has no negative codes: negatives saturate to 0
            outputs = FixedPoint(np.maximum(outputs.values.numpy(), 0), self.value_bits, outputs.frac_bits)
        return outputs

    def _as_fixed_point(self, inputs: QTensor) -> FixedPoint:
        if not isinstance(inputs, QFloat):
            return inputs
        # the product of the integers with the integer scales is held in the (signed) buffer
        promoted = inputs.promote(max(self.buffer_bitwidth - 1, inputs.value_bits))
        wide, qscales = promoted.to_fixed_point(self.scale_bits)
        self.qscales(qscales)
        return wide

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axis": self.axis, "scale_bits": self.scale_bits, "buffer_bitwidth": self.buffer_bitwidth})
        return config
