"""QSeparableConv2DTranspose: a depthwise transposed convolution, then a 1x1 pointwise one, both quantized."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from hwq.layers.common import add_channel_bias, apply, optional_activation
from hwq.layers.qdepthwise_transpose import QTransposeMixin, grouped_conv_transpose


@keras.saving.register_keras_serializable(package="hwq")
class QSeparableConv2DTranspose(QTransposeMixin, keras.layers.Conv2DTranspose):
    """pointwise_activation(pw(depthwise_activation(dw(inputs))) + bias_quantizer(bias)), where

    dw: each input channel c on its own, a transposed convolution with depthwise_kernel[..., 0, c] (kernel
        (kh, kw, 1, channels), quantized by depthwise_kernel_quantizer), strides, padding and output_padding;
    pw: a 1x1 transposed convolution (a per-pixel matrix) with pointwise_kernel (1, 1, filters, channels),
        quantized by pointwise_kernel_quantizer.

    As in QKeras: both kernels take the kernel_* initializer, regularizer and constraint, and `activation` and
    `depth_multiplier` are stored but not applied (hwq warns). Unlike QKeras, output_padding is honoured, the
    activations are saved in the config and channels_first works (see docs/qkeras-differences.md).
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid", output_padding=None,
                 depth_multiplier: int = 1, depthwise_activation=None, pointwise_activation=None,
                 use_bias: bool = True, depthwise_kernel_quantizer=None, pointwise_kernel_quantizer=None,
                 bias_quantizer=None, **kwargs) -> None:
        self._warn_ignored(kwargs.get("activation"), depth_multiplier)
        super().__init__(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, use_bias=use_bias, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_activation = optional_activation(depthwise_activation)
        self.pointwise_activation = optional_activation(pointwise_activation)
        self._set_quantizer("depthwise_kernel", depthwise_kernel_quantizer, kernel=True)
        self._set_quantizer("pointwise_kernel", pointwise_kernel_quantizer, kernel=True)
        self._set_quantizer("bias", bias_quantizer, kernel=False)

    def build(self, input_shape) -> None:
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self._kernel_weight("depthwise_kernel", (*self.kernel_size, 1, channels))
        self.pointwise_kernel = self._kernel_weight("pointwise_kernel", (1, 1, self.filters, channels))
        self._bias_weight()

    def call(self, inputs, training=None):
        depthwise = self._quantized("depthwise_kernel", self.depthwise_kernel, training)
        pointwise = self._quantized("pointwise_kernel", self.pointwise_kernel, training)
        # channel c's kernel is depthwise[..., 0, c]: as (kh, kw, channels, 1) it is group c of a grouped one
        x = grouped_conv_transpose(inputs, ops.swapaxes(depthwise, -1, -2), depthwise.shape[-1], self.strides,
                                   self.padding, self.output_padding, self.dilation_rate, self.data_format)
        x = apply(self.depthwise_activation, x, training)
        # a 1x1 kernel has no taps to spread: stride, dilation and padding leave the spatial size as it is
        x = ops.conv_transpose(x, pointwise, strides=1, padding=self.padding, data_format=self.data_format)
        if self.use_bias:
            x = add_channel_bias(x, self._quantized("bias", self.bias, training), self.data_format)
        return apply(self.pointwise_activation, x, training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._extra_config(("depthwise_kernel", "pointwise_kernel", "bias"),
                                         ("depthwise_activation", "pointwise_activation")))
        return config

    # QKeras' introspection helpers
    def get_quantizers(self) -> list:
        return [self.depthwise_kernel_quantizer_internal, self.pointwise_kernel_quantizer_internal,
                self.bias_quantizer_internal, self.depthwise_activation, self.pointwise_activation]

    def get_prunable_weights(self) -> list:
        return [self.depthwise_kernel, self.pointwise_kernel] + ([self.bias] if self.use_bias else [])
