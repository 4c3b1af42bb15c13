"""Convolutions: PaddedConv2D (float, custom padding value), QuantizedConv2D, QuantizedConv2DTranspose."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from hwq.quantizeml.layers import integer_ops
from hwq.quantizeml.layers.aligned_weight_quantizer import AlignedWeightQuantizer
from hwq.quantizeml.layers.base import register
from hwq.quantizeml.layers.neural import NeuralLayer, fixed_point_of
from hwq.quantizeml.tensors import QTensor


def padding_values(layer_name: str, padding_value) -> list[float] | None:
    """None, or the padding value(s) as a list of floats: one (per-tensor) or one per input channel."""
    if padding_value is None:
        return None
    values = np.asarray(padding_value, dtype=np.float64).reshape(-1)
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError(f"{layer_name}: padding_value must be finite numbers, got {padding_value!r}")
    return values.tolist()


def check_channels(layer, padding_value, channels: int) -> None:
    if padding_value is not None and len(padding_value) not in (1, channels):
        raise layer.fail(f"padding_value needs 1 or {channels} values (one per input channel), "
                         f"got {len(padding_value)}")


@register
class PaddedConv2D(keras.layers.Conv2D):
    """Conv2D (float) whose 'same' padding uses padding_value (one, or one per input channel) instead of zeros.

    With a padding_value, the padding is 'same' whatever `padding` says.
    """

    def __init__(self, *args, padding_value=None, **kwargs) -> None:
        self.padding_value = padding_values(type(self).__name__, padding_value)
        if self.padding_value is not None:
            kwargs["padding"] = "same"
        super().__init__(*args, **kwargs)

    def build(self, input_shape) -> None:
        check_channels(self, self.padding_value, input_shape[-1])
        super().build(input_shape)

    def call(self, inputs):
        if self.padding_value is None:
            return super().call(inputs)
        padded = pad_same_with(inputs, self.kernel_size, self.strides, self.dilation_rate, self.padding_value)
        outputs = tf.nn.convolution(padded, self.kernel, strides=list(self.strides), padding="VALID",
                                    dilations=list(self.dilation_rate))
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["padding_value"] = self.padding_value
        return config


def pad_same_with(x, kernel_size, strides, dilation, values):
    """x padded for a 'same' window with `values` (float): inside, x is kept bit for bit (x + 0 * v)."""
    pads = [integer_ops.same_padding(x.shape[1 + i], kernel_size[i], strides[i], dilation[i]) for i in range(2)]
    paddings = [[0, 0], list(pads[0]), list(pads[1]), [0, 0]]
    border = 1.0 - tf.pad(tf.ones_like(x[..., :1]), paddings)
    return tf.pad(x, paddings) + border * tf.constant(values, dtype=x.dtype)


@register
class QuantizedConv2D(NeuralLayer, keras.layers.Conv2D):
    """Conv2D on integers: inputs (per-tensor in the buffer) convolved with per-channel quantized filters.

    padding_value (one, or one per input channel) is quantized onto the inputs' grid by an
    AlignedWeightQuantizer of the weights' bitwidth; the padding is then 'same' with those integers.
    """

    def __init__(self, *args, padding_value=None, quant_config: dict | None = None, **kwargs) -> None:
        padding_value = padding_values(type(self).__name__, padding_value)
        if padding_value is not None:
            kwargs["padding"] = "same"
        super().__init__(*args, quant_config=quant_config, **kwargs)
        if self.groups != 1:
            raise self.fail(f"supports groups=1 only, got {self.groups}")
        self.padding_value = padding_value
        if padding_value is not None:
            self.padding_value_quantizer = AlignedWeightQuantizer(
                self.weight_quantizer.bitwidth, signed=True, name="padding_value_quantizer")

    def build(self, input_shape) -> None:
        check_channels(self, self.padding_value, input_shape[-1])
        super().build(input_shape)

    def call(self, inputs, training=None):
        x = self.prepare_inputs(inputs)
        kernel = self.weight_quantizer(self.kernel)
        pad = self.quantized_padding(x)
        outputs = self.product(x, kernel, lambda xv, wv: integer_ops.conv2d(
            xv, wv, self.strides, self.padding, self.dilation_rate, pad))
        return self.quantize_outputs(self.add_bias(outputs))

    def quantized_padding(self, x: QTensor):
        """The padding integers on x's grid (0 without padding_value: zero is exact on any grid)."""
        if self.padding_value is None:
            return 0
        return fixed_point_of(self.padding_value_quantizer(np.asarray(self.padding_value), x)).values.numpy()

    def get_config(self) -> dict:
        config = super().get_config()
        config["padding_value"] = self.padding_value
        return config


@register
class QuantizedConv2DTranspose(NeuralLayer, keras.layers.Conv2DTranspose):
    """Conv2DTranspose on integers. Keras stores the kernel as (KH, KW, filters, channels): it is quantized
    transposed to (KH, KW, channels, filters), so that its scales are per output channel."""

    def call(self, inputs, training=None):
        x = self.prepare_inputs(inputs)
        kernel = self.weight_quantizer(tf.transpose(self.kernel, (0, 1, 3, 2)))
        out_shape = self.compute_output_shape(tuple(x.shape))[1:3]
        outputs = self.product(x, kernel, lambda xv, wv: integer_ops.conv2d_transpose(
            xv, np.transpose(wv, (0, 1, 3, 2)), self.strides, self.padding, out_shape))
        return self.quantize_outputs(self.add_bias(outputs))
