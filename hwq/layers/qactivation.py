"""QActivation: a layer that applies one quantizer (or a plain Keras activation)."""

from __future__ import annotations

from typing import Any

import keras

from hwq.layers.common import apply, resolve_activation, serialize_activation
from hwq.quantizers import BaseQuantizer


@keras.saving.register_keras_serializable(package="hwq")
class QActivation(keras.layers.Layer):
    """`activation` may be a quantizer object, a string such as "quantized_relu(6,0)", a config dict,
    a Keras activation name or a callable. `quantizer` is the quantizer object (None for plain
    activations); `activation` is what the layer calls."""

    def __init__(self, activation, **kwargs) -> None:
        super().__init__(**kwargs)
        if activation is None:
            raise ValueError("QActivation needs an activation: a quantizer such as 'quantized_relu(6,0)', "
                             "a quantizer object, or a Keras activation name")
        self.activation = resolve_activation(activation)
        self.quantizer = self.activation if isinstance(self.activation, BaseQuantizer) else None
        self.supports_masking = True

    def call(self, inputs, training=None):
        return apply(self.activation, inputs, training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["activation"] = serialize_activation(self.activation)
        return config

    def get_quantization_config(self) -> str:
        return str(self.activation)

    def get_prunable_weights(self) -> list:
        return []
