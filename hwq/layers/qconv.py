"""QConv1D and QConv2D: Keras convolutions whose kernel, bias and activation are quantized (QKeras' API)."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from hwq.layers.qconv_base import QConvMixin


@keras.saving.register_keras_serializable(package="hwq")
class QConv1D(QConvMixin, keras.layers.Conv1D):
    """activation(conv1d(inputs, kernel_quantizer(kernel)) + bias_quantizer(bias)).

    Arguments as keras.layers.Conv1D (data_format, groups ... through **kwargs), plus kernel_quantizer,
    bias_quantizer and the deprecated, ignored kernel_range/bias_range. padding='causal' works as in Keras.
    """

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", dilation_rate=1,
                 activation=None, use_bias: bool = True, kernel_initializer="he_normal", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, kernel_quantizer=None, bias_quantizer=None, kernel_range=None,
                 bias_range=None, **kwargs) -> None:
        self._init_quantized(
            super().__init__, {"kernel": (kernel_quantizer, kernel_constraint)}, bias_quantizer, bias_constraint,
            activation, use_bias, {"kernel_range": kernel_range, "bias_range": bias_range}, filters=filters,
            kernel_size=kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, **kwargs)

    def convolution_op(self, inputs, kernel):
        if self.padding != "causal":
            return super().convolution_op(inputs, kernel)
        # causal: pad the past side by the dilated kernel's reach, then a valid convolution (as Keras does)
        inputs = ops.pad(inputs, self._compute_causal_padding())
        return ops.conv(inputs, kernel, strides=list(self.strides), padding="valid",
                        dilation_rate=self.dilation_rate, data_format=self.data_format)

    def call(self, inputs, training=None):
        kernel = self._quantized("kernel", self.kernel, training)
        return self._bias_and_activation(self.convolution_op(inputs, kernel), training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._quantizer_config())
        config.update({"kernel_range": self.kernel_range, "bias_range": self.bias_range})
        return config


@keras.saving.register_keras_serializable(package="hwq")
class QConv2D(QConvMixin, keras.layers.Conv2D):
    """activation(conv2d(inputs, kernel_quantizer(kernel) · mask) + bias_quantizer(bias)).

    Arguments as keras.layers.Conv2D (groups ... through **kwargs), with QKeras' defaults
    (data_format='channels_last', kernel_initializer='he_normal'), plus kernel_quantizer, bias_quantizer,
    the deprecated kernel_range/bias_range, and qkeras-v3's `mask`: an (h, w) array multiplied into the
    quantized kernel (1 keeps a tap, 0 removes it).
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format: str | None = "channels_last", dilation_rate=(1, 1), activation=None,
                 use_bias: bool = True, kernel_initializer="he_normal", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, kernel_range=None, bias_range=None, kernel_quantizer=None,
                 bias_quantizer=None, mask=None, **kwargs) -> None:
        self._init_quantized(
            super().__init__, {"kernel": (kernel_quantizer, kernel_constraint)}, bias_quantizer, bias_constraint,
            activation, use_bias, {"kernel_range": kernel_range, "bias_range": bias_range}, filters=filters,
            kernel_size=kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, **kwargs)
        self._mask = kernel_mask(mask)

    def _kernel_for_call(self, kernel, training):
        """The kernel the convolution uses: quantized, then masked."""
        kernel = self._quantized("kernel", kernel, training)
        if self._mask is not None:
            kernel = kernel * self._mask
        return kernel

    def call(self, inputs, training=None):
        kernel = self._kernel_for_call(self.kernel, training)
        return self._bias_and_activation(self.convolution_op(inputs, kernel), training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._quantizer_config())
        config.update({"kernel_range": self.kernel_range, "bias_range": self.bias_range,
                       "mask": None if self._mask is None else self._mask.tolist()})
        return config


def kernel_mask(mask) -> np.ndarray | None:
    """qkeras-v3's QConv2D mask as a (h, w, 1, 1) float32 array that broadcasts over the kernel's channels.

    Accepts the (h, w) array users pass and the nested list get_config writes (already (h, w, 1, 1)).
    """
    if mask is None:
        return None
    mask = np.asarray(mask, dtype=np.float32)
    if mask.ndim < 2:
        raise ValueError(f"QConv2D mask must have rank 2 (kernel height, width); got shape {mask.shape}")
    return mask.reshape(mask.shape[0], mask.shape[1], 1, 1)
