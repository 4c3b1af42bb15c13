"""OutputObserver: calibration of an OutputQuantizer's range_max on the float model."""

from __future__ import annotations

import keras
import tensorflow as tf

from hwq.quantizeml.layers.base import register
from hwq.quantizeml.layers.output_quantizer import AXES


@register
class OutputObserver(keras.layers.Layer):
    """Placed where an OutputQuantizer will sit, in the float model: tracks max|x| with momentum.

    The first batch sets range_max (still 1 everywhere means "never observed"), each later batch moves it
    toward the batch maximum: range_max += (batch_max - range_max) * (1 - momentum). The inputs pass unchanged.
    Plain TensorFlow, so the float model calibrates with predict(). Copy range_max into the OutputQuantizer.
    """

    def __init__(self, axis: str = "per-tensor", momentum: float = 0.9, **kwargs) -> None:
        super().__init__(**kwargs)
        if axis not in AXES:
            raise ValueError(f"OutputObserver '{self.name}': axis must be 'per-tensor' or 'per-axis', got {axis!r}")
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"OutputObserver '{self.name}': momentum must lie in [0, 1], got {momentum!r}")
        self.axis = axis
        self.momentum = float(momentum)

    def build(self, input_shape) -> None:
        if self.axis == "per-axis" and len(input_shape) < 3:
            raise ValueError(f"OutputObserver '{self.name}': per-axis needs inputs of rank 3 or more, "
                             f"got shape {input_shape}")
        self._reduced_axes = list(range(len(input_shape) - 1)) if self.axis == "per-axis" else None
        shape = (input_shape[-1],) if self.axis == "per-axis" else ()
        self.range_max = self.add_weight(name="range_max", shape=shape, dtype="float32", initializer="ones",
                                         trainable=False)

    def call(self, inputs):
        batch_max = tf.cast(tf.reduce_max(tf.abs(inputs), axis=self._reduced_axes), tf.float32)
        old = tf.convert_to_tensor(self.range_max)
        never_observed = tf.reduce_all(tf.equal(old, 1.0))
        moved = old - (old - batch_max) * (1.0 - self.momentum)
        self.range_max.assign(tf.where(never_observed, batch_max, moved))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axis": self.axis, "momentum": self.momentum})
        return config
