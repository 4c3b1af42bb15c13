"""QDense: a Dense layer whose kernel, bias and activation are quantized (QKeras' names and arguments)."""

from __future__ import annotations

import warnings
from typing import Any

import keras
from keras import ops

from hwq.layers.common import apply, internal_quantizer, resolve_activation, serialize_activation, serialize_quantizer
from hwq.layers.constraints import weight_constraint


@keras.saving.register_keras_serializable(package="hwq")
class QDense(keras.layers.Layer):
    """activation(inputs @ kernel_quantizer(kernel) + bias_quantizer(bias)).

    A plain Layer rather than a keras Dense subclass, so nothing that special-cases Dense
    (Keras' own int8 quantization, converters) mistakes it for a float Dense.
    As in QKeras, a quantized_bits kernel quantizer with alpha=None becomes alpha='auto_po2', and
    quantized weights without a constraint are clipped to ±max(1, quantizer.max()).
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True, kernel_initializer="he_normal",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, kernel_quantizer=None,
                 bias_quantizer=None, kernel_range=None, bias_range=None, **kwargs) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for name, value in (("kernel_range", kernel_range), ("bias_range", bias_range)):
            if value is not None:
                warnings.warn(f"{name} is deprecated in QDense (as in QKeras) and has no effect", stacklevel=2)
        self.units = int(units)
        self.use_bias = bool(use_bias)
        self.kernel_range = kernel_range
        self.bias_range = bias_range
        self.kernel_quantizer = kernel_quantizer
        self.bias_quantizer = bias_quantizer
        self.kernel_quantizer_internal = internal_quantizer(kernel_quantizer, trainable_scale=True)
        self.bias_quantizer_internal = internal_quantizer(bias_quantizer)
        self.quantizers = [self.kernel_quantizer_internal, self.bias_quantizer_internal]
        self.activation = resolve_activation(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = weight_constraint(kernel_constraint, self.kernel_quantizer_internal)
        self.bias_constraint = (weight_constraint(bias_constraint, self.bias_quantizer_internal) if self.use_bias
                                else keras.constraints.get(bias_constraint))
        self.input_spec = keras.layers.InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs, training=None):
        kernel = apply(self.kernel_quantizer_internal, self.kernel, training)
        outputs = ops.matmul(inputs, kernel)
        if self.use_bias:
            outputs = ops.add(outputs, apply(self.bias_quantizer_internal, self.bias, training))
        return apply(self.activation, outputs, training)

    def compute_output_shape(self, input_shape) -> tuple:
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": serialize_activation(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
            "kernel_quantizer": serialize_quantizer(self.kernel_quantizer_internal),
            "bias_quantizer": serialize_quantizer(self.bias_quantizer_internal),
            "kernel_range": self.kernel_range,
            "bias_range": self.bias_range,
        })
        return config

    # QKeras' introspection helpers (used by its qtools and by hls4ml-style tooling)
    def get_quantizers(self) -> list:
        return self.quantizers

    def get_quantization_config(self) -> dict[str, str]:
        return {"kernel_quantizer": str(self.kernel_quantizer_internal),
                "bias_quantizer": str(self.bias_quantizer_internal),
                "activation": str(self.activation), "units": str(self.units)}

    def get_prunable_weights(self) -> list:
        return [self.kernel]
