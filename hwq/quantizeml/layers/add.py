"""Add (float, optional average) and QuantizedAdd (two FixedPoints aligned in the buffer)."""

from __future__ import annotations

import keras
import tensorflow as tf

from hwq.quantizeml.layers.base import register
from hwq.quantizeml.layers.neural import QuantizedLayer
from hwq.quantizeml.layers.recorders import TensorRecorder
from hwq.quantizeml.tensors import FixedPoint


def check_two_inputs(layer, input_shape) -> None:
    if not isinstance(input_shape, list | tuple) or len(input_shape) != 2 or \
            not all(isinstance(s, list | tuple) for s in input_shape):
        raise layer.fail(f"expects a list of two inputs, got shape {input_shape}")
    if tuple(input_shape[0])[1:] != tuple(input_shape[1])[1:]:
        raise layer.fail(f"expects two inputs of the same shape, got {input_shape}")


@register
class Add(keras.layers.Layer):
    """Adds two float inputs of the same shape; halves the sum when `average`."""

    def __init__(self, *args, average: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(average, bool):
            raise TypeError(f"{type(self).__name__} '{self.name}': average must be a bool, got {average!r}")
        self.average = average

    def fail(self, message: str, error: type = ValueError):
        return error(f"{type(self).__name__} '{self.name}': {message}")

    def build(self, input_shape) -> None:
        check_two_inputs(self, input_shape)

    def call(self, inputs):
        a, b = inputs
        outputs = tf.add(a, b)
        return outputs / 2 if self.average else outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self) -> dict:
        config = super().get_config()
        config["average"] = self.average
        return config


@register
class QuantizedAdd(QuantizedLayer, Add):
    """Adds two FixedPoints: each is upscaled to the larger frac_bits (channel by channel) in the buffer, which
    is an exact left shift (a_shift, b_shift), then the integers are added; `average` adds 1 to frac_bits."""

    def __init__(self, *args, quant_config: dict | None = None, **kwargs) -> None:
        super().__init__(*args, quant_config=quant_config, **kwargs)
        self.a_shift = TensorRecorder(self.name + "/a_shift")
        self.b_shift = TensorRecorder(self.name + "/b_shift")

    def build(self, input_shape) -> None:
        check_two_inputs(self, input_shape)
        self.build_output_quantizer(self.compute_output_shape(input_shape))

    def call(self, inputs, training=None):
        if not isinstance(inputs, list | tuple) or len(inputs) != 2 or \
                not all(isinstance(x, FixedPoint) for x in inputs):
            raise self.fail("accepts a list of two FixedPoint inputs only", TypeError)
        a, b = inputs
        a_aligned, a_shift = a.align(b, self.buffer_bitwidth)
        b_aligned, b_shift = b.align(a, self.buffer_bitwidth)
        self.a_shift(a_shift)
        self.b_shift(b_shift)
        outputs = a_aligned + b_aligned
        return self.quantize_outputs(outputs >> 1 if self.average else outputs)
