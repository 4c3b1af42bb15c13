"""QuantizedSeparableConv2D: a depthwise then a pointwise convolution, with no requantization in between."""

from __future__ import annotations

import keras

from hwq.quantizeml.layers import integer_ops
from hwq.quantizeml.layers.base import register
from hwq.quantizeml.layers.depthwise import flat_depthwise_kernel
from hwq.quantizeml.layers.neural import NeuralLayer, integer_product, repeat_channels


@register
class QuantizedSeparableConv2D(NeuralLayer, keras.layers.SeparableConv2D):
    """SeparableConv2D on integers. The depthwise filters get one scale for the whole tensor (as QuantizeML),
    so the depthwise result is one grid and feeds the pointwise product directly, in the buffer."""

    WEIGHT_QUANTIZERS = ("dw_weight_quantizer", "pw_weight_quantizer")
    PER_TENSOR_QUANTIZERS = ("dw_weight_quantizer",)

    def call(self, inputs, training=None):
        x = repeat_channels(self.prepare_inputs(inputs), self.depth_multiplier)
        depthwise = self.dw_weight_quantizer(flat_depthwise_kernel(self.depthwise_kernel))
        pointwise = self.pw_weight_quantizer(self.pointwise_kernel)
        middle = integer_product(x, depthwise, lambda xv, wv: integer_ops.depthwise_conv2d(
            xv, wv, self.strides, self.padding, self.dilation_rate))
        outputs = self.product(middle, pointwise, lambda xv, wv: integer_ops.conv2d(xv, wv, (1, 1), "valid"))
        return self.quantize_outputs(self.add_bias(outputs))
