"""Octave convolutions (QKeras' qoctave): QOctaveConv2D from hwq's quantized layers, OctaveConv2D from Keras'.

An octave convolution carries a feature map at two resolutions, high (x_h) and low (x_l, half the size). With
co_h = int(filters·(1 − alpha)) high and co_l = filters − co_h low output channels it computes

    y_h = conv_hh(x_h) + upsample2(conv_lh(x_l))        y_l = conv_ll(x_l) + conv_hl(avgpool2(x_h))

leaving out the terms whose input is None or whose output has no channels; a 1x1 x_l feeds conv_lh as a 1x1
'same' QConv2D without the upsampling. alpha = -1 is one plain convolution of x_h. Both builders return
`block([x_h, x_l]) -> [y_h, y_l]`, adding layers named NAME_c_h_to_h, NAME_avg_h_to_l (NAME_p_h_to_l in the
float one), NAME_u_l_to_h, NAME_a_h, NAME_h_act, ...; with the default name="" Keras picks unique names.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import keras

from hwq.layers.qactivation import QActivation
from hwq.layers.qconv import QConv2D
from hwq.layers.qpooling import QAveragePooling2D
from hwq.layers.qseparable import QMobileNetSeparableConv2D, _final_activation

# the keyword arguments QOctaveConv2D reads from **kwargs (QKeras' names); others are ignored, as in QKeras
QUANTIZED_OPTIONS = ("bias_quantizer", "kernel_quantizer", "depthwise_quantizer", "pointwise_quantizer",
                     "acc_quantizer", "pooling_quantizer", "depthwise_activation", "activation", "bias_range",
                     "kernel_range", "depthwise_range", "pointwise_range")


def GetActivationSuffix(activation: Any) -> str:
    """A short tag for layer names: "linear" for none, "q2" for power-of-two quantizers, else "qr" (relu), "qt"
    (tanh) or "qb" followed by the numbers in the quantizer's text, those of two or more digits closed by "_"
    ("quantized_bits(10,6,1)" -> "qb10_61"). A quantizer object is read through its str()."""
    if not activation:
        return "linear"
    text = activation if isinstance(activation, str) else str(activation)
    if "po2" in text:
        return "q2"
    tag = "qr" if "quantized_relu" in text else "qt" if "quantized_tanh" in text else "qb"
    return tag + "".join(n + "_" if len(n) > 1 else n for n in re.findall(r"[0-9]+", text))


class _Octave:
    """The four paths of an octave block; subclasses say which layers make the convolutions and activations."""

    pool_suffix = "_avg_h_to_l"

    def __init__(self, filters: int, kernel_size, alpha: float, strides, padding: str, use_separable: bool,
                 name: str) -> None:
        self.filters, self.kernel_size, self.alpha = filters, kernel_size, alpha
        self.strides, self.padding, self.use_separable, self.prefix = strides, padding, use_separable, name

    def name(self, suffix: str) -> str | None:
        # no name: Keras chooses unique ones, so two blocks can share a model (QKeras' "_c_h_to_h" would collide)
        return self.prefix + suffix if self.prefix else None

    def __call__(self, x) -> list:
        x_h, x_l = x
        if self.alpha == -1.0:
            return self.single(x_h)
        co_h = int(self.filters * (1 - self.alpha))
        co_l = self.filters - co_h
        h_to_h = h_to_l = l_to_h = l_to_l = None
        if co_h > 0 and x_h is not None:
            h_to_h = self.after_conv(self.conv(x_h, co_h, "_c_h_to_h"), "_c_h_to_h")
        if co_l > 0 and x_h is not None:
            h_to_l = self.after_conv(self.conv(self.pool(x_h), co_l, "_c_h_to_l"), "_c_h_to_l")
        if co_h > 0 and x_l is not None:
            one_pixel = tuple(x_l.shape[1:3]) == (1, 1)  # nothing to upsample: a 1x1 'same' convolution
            l_to_h = self.after_conv(self.conv(x_l, co_h, "_c_l_to_h", one_pixel=one_pixel), "_c_l_to_h")
            if not one_pixel:
                l_to_h = keras.layers.UpSampling2D(size=(2, 2), name=self.name("_u_l_to_h"))(l_to_h)
        if co_l > 0 and x_l is not None:
            l_to_l = self.after_conv(self.conv(x_l, co_l, "_c_l_to_l", low_to_low=True), "_c_l_to_l")
        y_h = self._sum(h_to_h, l_to_h, "_a_h")
        y_l = self._sum(l_to_l, h_to_l, "_a_l")
        return self.outputs(y_h, y_l)

    def _sum(self, a, b, suffix: str):
        if a is not None and b is not None:
            return keras.layers.Add(name=self.name(suffix))([a, b])
        return a if a is not None else b

    # what the subclasses fill in
    def single(self, x_h) -> list:
        raise NotImplementedError

    def conv(self, x, filters: int, suffix: str, one_pixel: bool = False, low_to_low: bool = False):
        raise NotImplementedError

    def pool(self, x):
        raise NotImplementedError

    def after_conv(self, x, suffix: str):
        raise NotImplementedError

    def outputs(self, y_h, y_l):
        raise NotImplementedError


class _QuantizedOctave(_Octave):
    """QOctaveConv2D's layers: QConv2D or QMobileNetSeparableConv2D, QAveragePooling2D, QActivation."""

    def __init__(self, weights: dict[str, Any], options: dict[str, Any], **common) -> None:
        super().__init__(**common)
        self.weights = weights  # the *_initializer, *_regularizer, *_constraint of the kernels and bias
        self.options = {key: options.get(key) for key in QUANTIZED_OPTIONS}
        self.act_suffix = "_" + GetActivationSuffix(self.options["activation"])
        self.acc_suffix = "_" + GetActivationSuffix(self.options["acc_quantizer"])

    def conv(self, x, filters: int, suffix: str, one_pixel: bool = False, low_to_low: bool = False):
        w, o = self.weights, self.options
        if self.use_separable and not one_pixel:
            # the MobileNet block QKeras' octave code was written for (QKeras' QSeparableConv2D once was that block)
            return QMobileNetSeparableConv2D(
                filters, self.kernel_size, strides=self.strides, padding=self.padding,
                depthwise_regularizer=w["kernel_regularizer"], depthwise_constraint=w["kernel_constraint"],
                depthwise_initializer=w["kernel_initializer"], pointwise_regularizer=w["kernel_regularizer"],
                pointwise_constraint=w["kernel_constraint"], pointwise_initializer=w["kernel_initializer"],
                bias_regularizer=w["bias_regularizer"], bias_constraint=w["bias_constraint"],
                bias_initializer=w["bias_initializer"], depthwise_quantizer=o["depthwise_quantizer"],
                pointwise_quantizer=o["pointwise_quantizer"], bias_quantizer=o["bias_quantizer"],
                depthwise_activation=o["depthwise_activation"], pointwise_range=o["pointwise_range"],
                depthwise_range=o["depthwise_range"], bias_range=o["bias_range"],
                name=self.name(suffix) or "")(x)
        size, strides, padding = (1, 1, "same") if one_pixel else (self.kernel_size, self.strides, self.padding)
        return QConv2D(filters, size, strides=strides, padding=padding, kernel_regularizer=w["kernel_regularizer"],
                       kernel_constraint=w["kernel_constraint"], kernel_initializer=w["kernel_initializer"],
                       bias_regularizer=w["bias_regularizer"], bias_constraint=w["bias_constraint"],
                       bias_initializer=w["bias_initializer"], kernel_quantizer=self.options["kernel_quantizer"],
                       bias_quantizer=self.options["bias_quantizer"], kernel_range=self.options["kernel_range"],
                       bias_range=self.options["bias_range"], name=self.name(suffix))(x)

    def pool(self, x):
        return QAveragePooling2D(pool_size=2, strides=2, average_quantizer=self.options["pooling_quantizer"],
                                 name=self.name(self.pool_suffix))(x)

    def after_conv(self, x, suffix: str):
        acc = self.options["acc_quantizer"]
        return QActivation(acc, name=self.name(suffix + "_act" + self.acc_suffix))(x) if acc else x

    def _activated(self, x, suffix: str):
        act = self.options["activation"]
        return QActivation(act, name=self.name(suffix + self.act_suffix))(x) if act and x is not None else x

    def single(self, x_h) -> list:
        return [self._activated(self.conv(x_h, self.filters, "_c_h_to_h"), "_c_h_to_h_act"), None]

    def outputs(self, y_h, y_l) -> list:
        return [self._activated(y_h, "_h_act"), self._activated(y_l, "_l_act")]


class _FloatOctave(_Octave):
    """OctaveConv2D's layers: Keras' Conv2D or SeparableConv2D, AveragePooling2D, Activation."""

    pool_suffix = "_p_h_to_l"

    def __init__(self, weights: dict[str, Any], activation, acc_quantizer, **common) -> None:
        super().__init__(**common)
        self.weights, self.activation, self.acc_quantizer = weights, activation, acc_quantizer

    def conv(self, x, filters: int, suffix: str, one_pixel: bool = False, low_to_low: bool = False):
        w = self.weights
        bias = {key: w[key] for key in ("bias_regularizer", "bias_constraint", "bias_initializer")}
        if self.use_separable and not one_pixel:
            # QKeras hands the low-to-low SeparableConv2D kernel_* arguments, which it does not use: its kernels
            # keep Keras' defaults (and no regularizer), so they do here too
            kernels = {} if low_to_low else {
                f"{part}_{what}": w[f"kernel_{what}"]
                for part in ("depthwise", "pointwise") for what in ("regularizer", "constraint", "initializer")}
            return keras.layers.SeparableConv2D(filters, self.kernel_size, strides=self.strides,
                                                padding=self.padding, **kernels, **bias, name=self.name(suffix))(x)
        size, strides, padding = (1, 1, "same") if one_pixel else (self.kernel_size, self.strides, self.padding)
        return keras.layers.Conv2D(filters, size, strides=strides, padding=padding,
                                   kernel_regularizer=w["kernel_regularizer"], kernel_constraint=w["kernel_constraint"],
                                   kernel_initializer=w["kernel_initializer"], **bias, name=self.name(suffix))(x)

    def pool(self, x):
        return keras.layers.AveragePooling2D(pool_size=2, strides=2, name=self.name(self.pool_suffix))(x)

    def after_conv(self, x, suffix: str):
        # as QKeras: with an activation, each path gets acc_quantizer (Keras' linear when None)
        return _final_activation(self.acc_quantizer, self.name(suffix + "_act"))(x) if self.activation else x

    def single(self, x_h) -> list:
        y = self.conv(x_h, self.filters, "_c_h_to_h")
        return [_final_activation(self.activation, self.name("_c_h_to_h_act"))(y) if self.activation else y, None]

    def outputs(self, y_h, y_l) -> tuple:
        # as QKeras: the activation layer is added even when there is none (linear)
        return tuple(None if y is None else _final_activation(self.activation, self.name(suffix))(y)
                     for y, suffix in ((y_h, "_h_act"), (y_l, "_l_act")))


def _warn_unread(builder: str, kwargs: dict[str, Any], read: tuple[str, ...]) -> None:
    unread = sorted(set(kwargs) - set(read))
    if unread:
        warnings.warn(f"{builder} ignores {', '.join(unread)} (as QKeras does); it reads {', '.join(read)}",
                      stacklevel=3)


def QOctaveConv2D(filters: int, kernel_size, alpha: float, strides=(1, 1), padding: str = "valid",
                  kernel_initializer="he_normal", bias_initializer="zeros", kernel_regularizer=None,
                  bias_regularizer=None, kernel_constraint=None, bias_constraint=None, use_separable: bool = True,
                  name: str = "", **kwargs) -> Callable[[list], list]:
    """A quantized octave convolution, QKeras' arguments: returns block([x_h, x_l]) -> [y_h, y_l].

    The convolutions are QMobileNetSeparableConv2D blocks (use_separable, depthwise_activation between their two
    convolutions) or QConv2D; kwargs may hold kernel_quantizer, bias_quantizer, depthwise_quantizer,
    pointwise_quantizer, depthwise_activation, the deprecated *_range, acc_quantizer (a QActivation after each
    convolution), pooling_quantizer (QAveragePooling2D's average_quantizer) and activation (a QActivation on each
    output). Quantizers may be objects or strings.
    """
    _warn_unread("QOctaveConv2D", kwargs, QUANTIZED_OPTIONS)
    weights = dict(kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                   kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                   kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
    return _QuantizedOctave(weights, kwargs, filters=filters, kernel_size=kernel_size, alpha=alpha,
                            strides=strides, padding=padding, use_separable=use_separable, name=name)


def OctaveConv2D(filters: int, kernel_size, alpha: float, strides=(1, 1), padding: str = "valid",
                 kernel_initializer="he_normal", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, activation=None,
                 use_separable: bool = True, name: str = "", **kwargs) -> Callable[[list], tuple]:
    """The float octave convolution from Keras' SeparableConv2D/Conv2D, QKeras' arguments and layers:
    returns block([x_h, x_l]) -> (y_h, y_l). kwargs may hold acc_quantizer, which (as in QKeras) is applied
    after each convolution when an activation is given; the activation is applied to each output."""
    _warn_unread("OctaveConv2D", kwargs, ("acc_quantizer",))
    weights = dict(kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                   kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                   kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
    return _FloatOctave(weights, activation, kwargs.get("acc_quantizer"), filters=filters, kernel_size=kernel_size,
                        alpha=alpha, strides=strides, padding=padding, use_separable=use_separable, name=name)
