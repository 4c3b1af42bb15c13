"""QDepthwiseConv2DTranspose: a transposed convolution within each group of input channels, kernel quantized.

Also what QSeparableConv2DTranspose shares with it (QKeras builds both on Keras' Conv2DTranspose the same way):
the per-group transposed convolution, the quantizer set-up and the arguments Keras takes but these layers ignore.
"""

from __future__ import annotations

import warnings
from typing import Any

import keras
from keras import ops

from hwq.layers.common import (
    apply,
    internal_quantizer,
    optional_activation,
    serialize_optional_activation,
    serialize_quantizer,
)


def grouped_conv_transpose(inputs, kernel, groups: int, strides, padding: str, output_padding, dilation_rate,
                           data_format: str):
    """A 2-d transposed convolution of `groups` independent channel groups, results concatenated in order.

    kernel is Keras' transposed layout (kh, kw, output channels, input channels per group); group g reads
    input channels [g·cin/groups, (g+1)·cin/groups) and writes output channels [g·cout/groups, ...).
    TensorFlow has no grouped transposed convolution on CPU, so each group runs as its own one, as in QKeras:
    the same TensorFlow kernel on the same shapes, hence the same float32 sums.
    """
    axis = 1 if data_format == "channels_first" else -1
    parts = ops.split(inputs, groups, axis=axis) if groups > 1 else [inputs]
    per_group = kernel.shape[-2] // groups
    outputs = [ops.conv_transpose(x, kernel[:, :, g * per_group:(g + 1) * per_group, :], strides=list(strides),
                                  padding=padding, output_padding=output_padding, dilation_rate=dilation_rate,
                                  data_format=data_format)
               for g, x in enumerate(parts)]
    return outputs[0] if groups == 1 else ops.concatenate(outputs, axis=axis)


class QTransposeMixin:
    """Mixed in before keras.layers.Conv2DTranspose by the two QKeras transposed layers built on it."""

    def _warn_ignored(self, activation, depth_multiplier: int) -> None:
        # QKeras stores both and applies neither; say so rather than let a model silently differ from its code
        name = type(self).__name__
        if activation is not None and keras.activations.get(activation) is not keras.activations.linear:
            warnings.warn(f"{name} does not apply `activation` (as in QKeras); use its depthwise_activation or "
                          "pointwise_activation", stacklevel=3)
        if depth_multiplier != 1:
            warnings.warn(f"{name} ignores depth_multiplier={depth_multiplier} (as in QKeras)", stacklevel=3)

    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def _input_channels(self, input_shape) -> int:
        if len(input_shape) != 4:
            raise ValueError(f"{type(self).__name__} expects rank-4 inputs, got shape {input_shape}")
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(f"{type(self).__name__}: the channel dimension of the inputs must be known")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={self._channel_axis(): channels})
        return int(channels)

    def _kernel_weight(self, name: str, shape: tuple[int, ...]):
        # QKeras gives every kernel of these layers Conv2DTranspose's kernel_* settings (no default Clip)
        return self.add_weight(name=name, shape=shape, initializer=self.kernel_initializer,
                               regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)

    def _bias_weight(self) -> None:
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _quantized(self, name: str, weight, training):
        return apply(getattr(self, f"{name}_quantizer_internal"), weight, training)

    def _set_quantizer(self, name: str, identifier, kernel: bool) -> None:
        """`<name>_quantizer` as given and the layer's own copy; kernels get QKeras' alpha=None -> 'auto_po2'."""
        setattr(self, f"{name}_quantizer", identifier)
        setattr(self, f"{name}_quantizer_internal", internal_quantizer(identifier, trainable_scale=kernel))

    def _extra_config(self, quantizers: tuple[str, ...], activations: tuple[str, ...]) -> dict[str, Any]:
        config: dict[str, Any] = {f"{q}_quantizer": serialize_quantizer(getattr(self, f"{q}_quantizer_internal"))
                                  for q in quantizers}
        config.update({a: serialize_optional_activation(getattr(self, a)) for a in activations})
        config["depth_multiplier"] = self.depth_multiplier
        return config


@keras.saving.register_keras_serializable(package="hwq")
class QDepthwiseConv2DTranspose(QTransposeMixin, keras.layers.Conv2DTranspose):
    """depthwise_activation(grouped transposed conv(inputs, depthwise_kernel_quantizer(depthwise_kernel))).

    The input channels split into groups of `group_size`; each group is a transposed convolution from its
    group_size channels to group_size channels, so the output has as many channels as the input. The kernel is
    (kh, kw, channels, group_size): [..., g·group_size + o, j] maps input j of group g to its output o
    (group_size=1: channel c through [..., c, 0]).

    As in QKeras: `bias` is a weight of shape (filters,) that is never added (`filters` only sizes it), and
    `activation` and `depth_multiplier` are stored but not applied (hwq warns). Unlike QKeras, output_padding
    is honoured and channels_first splits the channel axis (see docs/qkeras-differences.md).
    """

    def __init__(self, filters: int, kernel_size, group_size: int = 1, strides=(1, 1), padding: str = "valid",
                 output_padding=None, depth_multiplier: int = 1, depthwise_activation=None, use_bias: bool = True,
                 depthwise_kernel_quantizer=None, bias_quantizer=None, **kwargs) -> None:
        self._warn_ignored(kwargs.get("activation"), depth_multiplier)
        super().__init__(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, use_bias=use_bias, **kwargs)
        if group_size < 1:
            raise ValueError(f"group_size must be a positive integer, got {group_size!r}")
        self.group_size = int(group_size)
        self.depth_multiplier = depth_multiplier
        self.depthwise_activation = optional_activation(depthwise_activation)
        self._set_quantizer("depthwise_kernel", depthwise_kernel_quantizer, kernel=True)
        self._set_quantizer("bias", bias_quantizer, kernel=False)

    def build(self, input_shape) -> None:
        channels = self._input_channels(input_shape)
        if channels % self.group_size:
            raise ValueError(f"{type(self).__name__}: {channels} input channels do not split into groups of "
                             f"group_size={self.group_size}")
        self.depthwise_kernel = self._kernel_weight("depthwise_kernel", (*self.kernel_size, channels,
                                                                         self.group_size))
        self._bias_weight()  # kept for QKeras' weight list; never added

    def call(self, inputs, training=None):
        kernel = self._quantized("depthwise_kernel", self.depthwise_kernel, training)
        groups = kernel.shape[-2] // self.group_size
        outputs = grouped_conv_transpose(inputs, kernel, groups, self.strides, self.padding, self.output_padding,
                                         self.dilation_rate, self.data_format)
        return apply(self.depthwise_activation, outputs, training)

    def compute_output_shape(self, input_shape) -> tuple:
        shape = list(super().compute_output_shape(input_shape))  # Keras' spatial sizes
        shape[self._channel_axis()] = input_shape[self._channel_axis()]
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._extra_config(("depthwise_kernel", "bias"), ("depthwise_activation",)))
        config["group_size"] = self.group_size
        return config

    # QKeras' introspection helpers
    def get_quantizers(self) -> list:
        return [self.depthwise_kernel_quantizer_internal, self.bias_quantizer_internal, self.depthwise_activation]

    def get_prunable_weights(self) -> list:
        return [self.depthwise_kernel] + ([self.bias] if self.use_bias else [])
