"""QDepthwiseConv2D: a Keras depthwise convolution with quantized kernel, bias and activation (QKeras' API)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from hwq.layers.qconv_base import QConvMixin


@keras.saving.register_keras_serializable(package="hwq")
class QDepthwiseConv2D(QConvMixin, keras.layers.DepthwiseConv2D):
    """activation(depthwise_conv2d(inputs, depthwise_quantizer(depthwise_kernel)) + bias_quantizer(bias)).

    The kernel is (kh, kw, channels, depth_multiplier); output channel c·depth_multiplier + m is input
    channel c through kernel[..., c, m]. The weight is named `depthwise_kernel` (Keras 3 calls it
    `kernel`), as in QKeras, so QKeras' weight files and tools find it.
    """

    quantizer_names = ("depthwise", "bias")

    def __init__(self, kernel_size, strides=(1, 1), padding: str = "VALID", depth_multiplier: int = 1,
                 data_format: str | None = None, activation=None, use_bias: bool = True,
                 depthwise_initializer="he_normal", bias_initializer="zeros", depthwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
                 dilation_rate=(1, 1), depthwise_quantizer=None, bias_quantizer=None, depthwise_range=None,
                 bias_range=None, **kwargs) -> None:
        self._init_quantized(
            super().__init__, {"depthwise": (depthwise_quantizer, depthwise_constraint)}, bias_quantizer,
            bias_constraint, activation, use_bias, {"depthwise_range": depthwise_range, "bias_range": bias_range},
            kernel_size=kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
            data_format=data_format, depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, dilation_rate=dilation_rate, **kwargs)

    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def build(self, input_shape) -> None:
        if len(input_shape) != 4:
            raise ValueError(f"{type(self).__name__} expects rank-4 inputs, got shape {input_shape}")
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(f"{type(self).__name__}: the channel dimension of the inputs must be known")
        self.compute_output_shape(input_shape)  # Keras' validation of the spatial sizes
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(channels * self.depth_multiplier,),
                                        initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={self._channel_axis(): channels})

    def depthwise_op(self, inputs, kernel):
        return ops.depthwise_conv(inputs, kernel, strides=self.strides, padding=self.padding,
                                  dilation_rate=self.dilation_rate, data_format=self.data_format)

    def call(self, inputs, training=None):
        kernel = self._quantized("depthwise", self.depthwise_kernel, training)
        return self._bias_and_activation(self.depthwise_op(inputs, kernel), training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._quantizer_config())
        config.update({"depthwise_range": self.depthwise_range, "bias_range": self.bias_range})
        return config
