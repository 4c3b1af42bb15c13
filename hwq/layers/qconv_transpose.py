"""QConv2DTranspose: a Keras transposed convolution with quantized kernel, bias and activation."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from hwq.layers.qconv_base import QConvMixin


def deconv_output_length(input_length: int | None, filter_size: int, padding: str,
                         output_padding: int | None = None, stride: int = 0, dilation: int = 1) -> int | None:
    """The length of a transposed convolution's output along one axis (QKeras' qconvolutional helper, Keras'
    rule): the input spread `stride` apart, the dilated filter's reach added, less the padding 'same' or 'full'
    takes; `output_padding`, when given, added to the 'valid' form with the padding subtracted on both sides."""
    if input_length is None:
        return None
    reach = filter_size + (filter_size - 1) * (dilation - 1)
    if padding not in ("valid", "same", "full"):
        raise ValueError(f"padding {padding!r}: expected 'valid', 'same' or 'full'")
    if output_padding is None:
        if padding == "valid":
            return input_length * stride + max(reach - stride, 0)
        if padding == "full":
            return input_length * stride - (stride + reach - 2)
        return input_length * stride
    pad = {"same": reach // 2, "valid": 0, "full": reach - 1}[padding]
    return (input_length - 1) * stride + reach - 2 * pad + output_padding


@keras.saving.register_keras_serializable(package="hwq")
class QConv2DTranspose(QConvMixin, keras.layers.Conv2DTranspose):
    """activation(conv2d_transpose(inputs, kernel_quantizer(kernel)) + bias_quantizer(bias)).

    The kernel is (kh, kw, filters, input channels), as in Keras. `output_padding` is honoured (qkeras-v3
    drops it and always infers the output size; see docs/qkeras-differences.md). Note that an 'auto_po2'
    kernel quantizer scales per input channel here: it scales over all axes but the last, which for a
    transposed kernel is the input-channel axis (QKeras does the same).
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid", output_padding=None,
                 data_format: str | None = None, dilation_rate=(1, 1), activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 kernel_quantizer=None, bias_quantizer=None, **kwargs) -> None:
        self._init_quantized(
            super().__init__, {"kernel": (kernel_quantizer, kernel_constraint)}, bias_quantizer, bias_constraint,
            activation, use_bias, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, **kwargs)

    def call(self, inputs, training=None):
        kernel = self._quantized("kernel", self.kernel, training)
        outputs = ops.conv_transpose(inputs, kernel, strides=list(self.strides), padding=self.padding,
                                     output_padding=self.output_padding, dilation_rate=self.dilation_rate,
                                     data_format=self.data_format)
        return self._bias_and_activation(outputs, training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._quantizer_config())
        return config
