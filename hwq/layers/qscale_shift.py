"""QScaleShift (QKeras' qmac): activation(x * weight_quantizer(weight) + bias_quantizer(bias)) with one scalar
weight and one scalar bias shared by every element, whatever the input's shape."""

from __future__ import annotations

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


@keras.saving.register_keras_serializable(package="hwq")
class QScaleShift(keras.layers.Layer):
    """As in QKeras, both quantizers get the trainable-scale setting (alpha=None -> 'auto_po2' for quantized_bits),
    and the weight and bias are (1, 1) tensors."""

    def __init__(self, weight_quantizer=None, bias_quantizer=None, use_bias: bool = True, activation=None,
                 weight_initializer="he_normal", weight_regularizer=None, bias_initializer="zeros",
                 bias_regularizer=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.use_bias = bool(use_bias)
        self.weight_quantizer = weight_quantizer
        self.bias_quantizer = bias_quantizer
        self.weight_quantizer_internal = internal_quantizer(weight_quantizer, trainable_scale=True)
        self.bias_quantizer_internal = internal_quantizer(bias_quantizer, trainable_scale=True)
        self.quantizers = [self.weight_quantizer_internal, self.bias_quantizer_internal]
        self.activation = optional_activation(activation)
        self.weight_initializer = keras.initializers.get(weight_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.weight_regularizer = keras.regularizers.get(weight_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)

    def build(self, input_shape) -> None:
        self.weight = self.add_weight(name="weight", shape=(1, 1), initializer=self.weight_initializer,
                                      regularizer=self.weight_regularizer)
        self.bias = self.add_weight(name="bias", shape=(1, 1), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer) if self.use_bias else None

    def call(self, inputs, training=None):
        outputs = ops.multiply(inputs, apply(self.weight_quantizer_internal, self.weight, training))
        if self.use_bias:
            outputs = ops.add(apply(self.bias_quantizer_internal, self.bias, training), outputs)
        return apply(self.activation, outputs, training)

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape) if len(input_shape) >= 2 else (*input_shape[:-1], 1, input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({
            "weight_quantizer": serialize_quantizer(self.weight_quantizer_internal),
            "bias_quantizer": serialize_quantizer(self.bias_quantizer_internal),
            "use_bias": self.use_bias,
            "activation": serialize_optional_activation(self.activation),
            "weight_initializer": keras.initializers.serialize(self.weight_initializer),
            "weight_regularizer": keras.regularizers.serialize(self.weight_regularizer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
        })
        return config

    def get_quantizers(self) -> list:
        return self.quantizers

    def get_quantization_config(self) -> dict[str, str]:
        return {"weight_quantizer": str(self.weight_quantizer_internal),
                "bias_quantizer": str(self.bias_quantizer_internal), "activation": str(self.activation)}

    def get_prunable_weights(self) -> list:
        return [self.weight]
