"""Quantized separable convolutions: QSeparableConv1D, QSeparableConv2D and QMobileNetSeparableConv2D."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from hwq.layers.qactivation import QActivation
from hwq.layers.qconv import QConv2D
from hwq.layers.qconv_base import QConvMixin
from hwq.layers.qdepthwise import QDepthwiseConv2D
from hwq.quantizers import BaseQuantizer, get_quantizer


class _QSeparableMixin(QConvMixin):
    """depthwise then pointwise convolution with both kernels quantized; the intermediate values are not
    quantized (QMobileNetSeparableConv2D is the variant that quantizes them)."""

    quantizer_names = ("depthwise", "pointwise", "bias")

    def _init_separable(self, keras_init: Callable, filters, kernel_size, depth_multiplier, activation, use_bias,
                        depthwise_constraint, pointwise_constraint, bias_constraint, depthwise_quantizer,
                        pointwise_quantizer, bias_quantizer, **kwargs) -> None:
        self._init_quantized(
            keras_init, {"depthwise": (depthwise_quantizer, depthwise_constraint),
                         "pointwise": (pointwise_quantizer, pointwise_constraint)}, bias_quantizer, bias_constraint,
            activation, use_bias, filters=filters, kernel_size=kernel_size, depth_multiplier=depth_multiplier,
            **kwargs)

    def call(self, inputs, training=None):
        depthwise = self._quantized("depthwise", self.depthwise_kernel, training)
        pointwise = self._quantized("pointwise", self.pointwise_kernel, training)
        outputs = ops.separable_conv(inputs, depthwise, pointwise, strides=self.strides, padding=self.padding,
                                     dilation_rate=self.dilation_rate, data_format=self.data_format)
        return self._bias_and_activation(outputs, training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._quantizer_config())
        return config


@keras.saving.register_keras_serializable(package="hwq")
class QSeparableConv1D(_QSeparableMixin, keras.layers.SeparableConv1D):
    """Keras SeparableConv1D with depthwise_quantizer, pointwise_quantizer and bias_quantizer."""

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", data_format: str | None = None,
                 dilation_rate=1, depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, depthwise_quantizer=None, pointwise_quantizer=None,
                 bias_quantizer=None, **kwargs) -> None:
        self._init_separable(
            super().__init__, filters, kernel_size, depth_multiplier, activation, use_bias, depthwise_constraint,
            pointwise_constraint, bias_constraint, depthwise_quantizer, pointwise_quantizer, bias_quantizer,
            strides=strides, padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            depthwise_initializer=depthwise_initializer, pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, **kwargs)


@keras.saving.register_keras_serializable(package="hwq")
class QSeparableConv2D(_QSeparableMixin, keras.layers.SeparableConv2D):
    """Keras SeparableConv2D with depthwise_quantizer, pointwise_quantizer and bias_quantizer."""

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate=(1, 1), depth_multiplier: int = 1, activation=None,
                 use_bias: bool = True, depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, depthwise_quantizer=None, pointwise_quantizer=None,
                 bias_quantizer=None, **kwargs) -> None:
        self._init_separable(
            super().__init__, filters, kernel_size, depth_multiplier, activation, use_bias, depthwise_constraint,
            pointwise_constraint, bias_constraint, depthwise_quantizer, pointwise_quantizer, bias_quantizer,
            strides=strides, padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            depthwise_initializer=depthwise_initializer, pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, **kwargs)


def QMobileNetSeparableConv2D(filters: int, kernel_size, strides=(1, 1), padding: str = "VALID",
                              dilation_rate=(1, 1), depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                              depthwise_initializer="he_normal", pointwise_initializer="he_normal",
                              bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                              bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                              pointwise_constraint=None, bias_constraint=None, depthwise_quantizer=None,
                              pointwise_quantizer=None, bias_quantizer=None, depthwise_activation=None,
                              depthwise_range=None, pointwise_range=None, bias_range=None,
                              depthwise_dropout_rate: float = 0.0, pw_first: bool = False,
                              name: str = "") -> Callable:
    """MobileNet's separable block as QKeras builds it: a function returning `block(x)`, which adds layers.

    block(x) = [activation] ∘ QConv2D 1x1 (pointwise, bias) ∘ [Dropout] ∘ [QActivation(depthwise_activation)]
               ∘ QDepthwiseConv2D (no bias) (x)
    — the depthwise result *is* quantized here, by depthwise_activation (QSeparableConv2D does not).
    pw_first=True puts the pointwise convolution (with its activation and dropout) first.
    Layers are named NAME_dw, NAME_dw_act, NAME_dw_dropout, NAME_pw, NAME_pw_act. With the default
    name="" QKeras names them "_dw", "_pw", ..., so a second block in one model collides; hwq lets Keras
    pick unique names instead (see docs/qkeras-differences.md).
    """

    def layer_name(suffix: str) -> str | None:
        return f"{name}_{suffix}" if name else None

    def pointwise(x):
        return QConv2D(filters, (1, 1), strides=(1, 1), padding="same", use_bias=use_bias,
                       kernel_constraint=pointwise_constraint, kernel_initializer=pointwise_initializer,
                       kernel_regularizer=pointwise_regularizer, kernel_quantizer=pointwise_quantizer,
                       bias_quantizer=bias_quantizer, bias_regularizer=bias_regularizer,
                       bias_initializer=bias_initializer, bias_constraint=bias_constraint,
                       activity_regularizer=activity_regularizer, kernel_range=pointwise_range,
                       bias_range=bias_range, name=layer_name("pw"))(x)

    def depthwise(x):
        return QDepthwiseConv2D(kernel_size, strides=strides, dilation_rate=dilation_rate, padding=padding,
                                depth_multiplier=depth_multiplier, use_bias=False,
                                depthwise_regularizer=depthwise_regularizer,
                                depthwise_initializer=depthwise_initializer,
                                depthwise_constraint=depthwise_constraint, depthwise_quantizer=depthwise_quantizer,
                                depthwise_range=depthwise_range, name=layer_name("dw"))(x)

    def between(x):
        # what sits between the two convolutions: the depthwise activation (a quantizer), then dropout
        if depthwise_activation:
            act = depthwise_activation
            x = act(x) if isinstance(act, QActivation) else QActivation(act, name=layer_name("dw_act"))(x)
        if depthwise_dropout_rate > 0.0:
            x = keras.layers.Dropout(rate=depthwise_dropout_rate, name=layer_name("dw_dropout"))(x)
        return x

    def block(inputs):
        x = depthwise(between(pointwise(inputs))) if pw_first else pointwise(between(depthwise(inputs)))
        if activation:
            x = _final_activation(activation, layer_name("pw_act"))(x)
        return x

    return block


def _final_activation(activation, name: str | None) -> keras.layers.Layer:
    """QKeras applies a QActivation layer as given and wraps anything else in keras Activation; a quantizer
    (object or string such as "quantized_relu(4)") needs QActivation to be applied and saved."""
    if isinstance(activation, keras.layers.Layer):
        return activation
    if isinstance(get_quantizer(activation), BaseQuantizer):
        return QActivation(activation, name=name)
    return keras.layers.Activation(activation, name=name)
