"""Depthwise convolutions: QuantizedDepthwiseConv2D, DepthwiseConv2DTranspose (float) and its quantized twin."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from hwq.quantizeml.layers import integer_ops
from hwq.quantizeml.layers.base import register
from hwq.quantizeml.layers.neural import NeuralLayer, repeat_channels


def flat_depthwise_kernel(kernel):
    """(KH, KW, C, M) to (KH, KW, C * M): one filter per output channel, channel c * M + m reading input c."""
    return tf.reshape(kernel, (*kernel.shape[:2], -1))


@register
class QuantizedDepthwiseConv2D(NeuralLayer, keras.layers.DepthwiseConv2D):
    """DepthwiseConv2D on integers. Each output channel reads one input channel, so per-axis inputs are kept
    per-axis (no expansion, as QuantizeML); the filters are quantized per output channel."""

    def call(self, inputs, training=None):
        x = repeat_channels(self.prepare_inputs(inputs, expand=False), self.depth_multiplier)
        kernel = self.weight_quantizer(flat_depthwise_kernel(self.kernel))
        outputs = self.product(x, kernel, lambda xv, wv: integer_ops.depthwise_conv2d(
            xv, wv, self.strides, self.padding, self.dilation_rate), per_tensor_inputs=False)
        return self.quantize_outputs(self.add_bias(outputs))


@register
class DepthwiseConv2DTranspose(keras.layers.DepthwiseConv2D):
    """A transposed depthwise convolution (float): each channel is transposed-convolved by its own filter.

    depth_multiplier and dilation_rate must be 1.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.depth_multiplier != 1 or tuple(self.dilation_rate) != (1, 1):
            raise ValueError(f"{type(self).__name__} '{self.name}': depth_multiplier and dilation_rate must be 1")

    def call(self, inputs):
        outputs = tf.concat([tf.nn.conv2d_transpose(
            inputs[..., c:c + 1], self.kernel[:, :, c:c + 1, :], self._output_size(inputs),
            strides=(1, *self.strides, 1), padding=self.padding.upper()) for c in range(inputs.shape[-1])], -1)
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def _output_size(self, inputs):
        out = self.compute_output_shape(tuple(inputs.shape))
        return (tf.shape(inputs)[0], out[1], out[2], 1)

    def compute_output_shape(self, input_shape):
        sizes = [transposed_length(input_shape[1 + i], self.kernel_size[i], self.strides[i], self.padding)
                 for i in range(2)]
        return (input_shape[0], *sizes, input_shape[-1])


def transposed_length(size, kernel: int, stride: int, padding: str):
    if size is None:
        return None
    return size * stride if padding == "same" else (size - 1) * stride + max(kernel, stride)


@register
class QuantizedDepthwiseConv2DTranspose(NeuralLayer, DepthwiseConv2DTranspose):
    """DepthwiseConv2DTranspose on integers: per-channel filters, per-axis inputs kept per-axis."""

    def call(self, inputs, training=None):
        x = self.prepare_inputs(inputs, expand=False)
        kernel = self.weight_quantizer(flat_depthwise_kernel(self.kernel))
        out_shape = self.compute_output_shape(tuple(x.shape))[1:3]

        def op(xv, wv):
            return np.concatenate([integer_ops.conv2d_transpose(
                xv[..., c:c + 1], wv[:, :, c:c + 1, None], self.strides, self.padding, out_shape)
                for c in range(xv.shape[-1])], axis=-1)
        outputs = self.product(x, kernel, op, per_tensor_inputs=False)
        return self.quantize_outputs(self.add_bias(outputs))
