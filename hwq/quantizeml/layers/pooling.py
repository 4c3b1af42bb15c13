"""Pooling on QTensors: QuantizedMaxPool2D and QuantizedGlobalAveragePooling2D."""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.layers import integer_ops
from hwq.quantizeml.layers.base import QTensorLayer, register
from hwq.quantizeml.layers.neural import QuantizedLayer, fixed_point_of
from hwq.quantizeml.tensors import FixedPoint, QFloat, QTensor


def same_grid(x: QTensor, values: np.ndarray) -> QTensor:
    """New values on x's grid: same value bits, frac_bits and scales."""
    fp = fixed_point_of(x)
    out = FixedPoint(values, fp.value_bits, fp.frac_bits)
    return QFloat(out, x.scales) if isinstance(x, QFloat) else out


@register
class QuantizedMaxPool2D(QTensorLayer, keras.layers.MaxPooling2D):
    """MaxPooling2D on the integers: a comparison needs no rescaling, so per-axis inputs stay per-axis."""

    def call(self, inputs):
        if not isinstance(inputs, QTensor):
            raise self.fail(f"accepts QTensor inputs only, got {type(inputs).__name__}", TypeError)
        if self.data_format != "channels_last":
            raise self.fail("supports channels_last only")
        values = integer_ops.max_pool2d(fixed_point_of(inputs).values.numpy(), self.pool_size, self.strides,
                                        self.padding)
        return same_grid(inputs, values)


@register
class QuantizedGlobalAveragePooling2D(QuantizedLayer, keras.layers.GlobalAveragePooling2D):
    """The sum over H x W in the buffer, as a QFloat whose scale is the float 1 / (H * W).

    Per-axis inputs are first expanded to one frac_bits. The OutputQuantizer turns 1 / (H * W) into a
    scale_bits-bit integer multiplier and a shift (QFloat.quantize_scales).
    """

    BUFFER_SIGNED = False

    def build(self, input_shape) -> None:
        if len(input_shape) != 4 or input_shape[1] is None or input_shape[2] is None:
            raise self.fail(f"needs inputs (batch, H, W, C) with known H and W, got {input_shape}")
        self.spatial_size = int(input_shape[1] * input_shape[2])
        self.build_output_quantizer(self.compute_output_shape(input_shape))
        super().build(input_shape)

    def call(self, inputs, training=None) -> QTensor:
        if not isinstance(inputs, QTensor):
            raise self.fail(f"accepts QTensor inputs only, got {type(inputs).__name__}", TypeError)
        x = self.prepare_inputs(inputs)
        if not x.per_tensor:
            raise self.fail("needs per-tensor inputs")
        fp = fixed_point_of(x)
        total = FixedPoint(fp.values.numpy().sum(axis=(1, 2), keepdims=self.keepdims), fp.value_bits,
                           fp.frac_bits)
        scales = (x.scales.numpy() if isinstance(x, QFloat) else 1.0) / self.spatial_size
        return self.quantize_outputs(QFloat(total, scales))
