"""QBatchNormalization: batch normalization with quantized gamma, beta, mean, variance (or inverse)."""

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
    warn_deprecated_ranges,
)
from hwq.layers.constraints import weight_constraint

# Keras 2 BatchNormalization options QKeras drops (with a warning) rather than implementing
_DROPPED_OPTIONS = ("fused", "renorm", "virtual_batch_size", "adjustment")
_QUANTIZERS = ("gamma", "beta", "mean", "variance", "inverse")


@keras.saving.register_keras_serializable(package="hwq")
class QBatchNormalization(keras.layers.BatchNormalization):
    """outputs = inputs · inv + (Q_beta(beta) − Q_mean(mean) · inv), inv = Q_inv(Q_gamma(gamma) / sqrt(Q_var(var) + ε)).

    Training (and trainable) uses the batch mean and variance, quantized, and moves the moving averages
    towards the *unquantized* batch statistics; inference uses the quantized moving averages. Q_inv is
    `inverse_quantizer` (None by default); when given, gamma and variance must not be quantized too
    (QKeras' rule: the inverse would be quantized twice). QKeras' defaults quantize everything to powers
    of two. `activation` is accepted and kept, but — as in QKeras — never applied.
    A frozen layer (trainable=False) runs in inference mode while training, the Keras 3 rule
    (qkeras-v3 still uses batch statistics then; see docs/qkeras-differences.md).
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, activation=None, beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_quantizer="quantized_po2(5)",
                 gamma_quantizer="quantized_relu_po2(6, 2048)", mean_quantizer="quantized_po2(5)",
                 variance_quantizer="quantized_relu_po2(6, quadratic_approximation=True)", inverse_quantizer=None,
                 gamma_constraint=None, beta_constraint=None, beta_range=None, gamma_range=None, **kwargs) -> None:
        warn_deprecated_ranges("QBatchNormalization", gamma_range=gamma_range, beta_range=beta_range)
        if inverse_quantizer is not None and (variance_quantizer is not None or gamma_quantizer is not None):
            raise ValueError("QBatchNormalization: with an inverse_quantizer, gamma_quantizer and variance_quantizer "
                             "must be None (the inverse already includes gamma and the variance; quantizing them too "
                             "would quantize twice)")
        for option in _DROPPED_OPTIONS:
            if kwargs.pop(option, None):
                warnings.warn(f"QBatchNormalization ignores {option} (as QKeras does)", stacklevel=2)
        given = {"gamma": gamma_quantizer, "beta": beta_quantizer, "mean": mean_quantizer,
                 "variance": variance_quantizer, "inverse": inverse_quantizer}
        # QKeras calls _set_trainable_parameter on the gamma and variance quantizers
        internal = {name: internal_quantizer(q, trainable_scale=name in ("gamma", "variance"))
                    for name, q in given.items()}
        if scale and internal["gamma"] is not None:
            gamma_constraint = weight_constraint(gamma_constraint, internal["gamma"])
        if center and internal["beta"] is not None:
            beta_constraint = weight_constraint(beta_constraint, internal["beta"])
        super().__init__(axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                         beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                         moving_mean_initializer=moving_mean_initializer,
                         moving_variance_initializer=moving_variance_initializer, beta_regularizer=beta_regularizer,
                         gamma_regularizer=gamma_regularizer, beta_constraint=beta_constraint,
                         gamma_constraint=gamma_constraint, **kwargs)
        self.activation = optional_activation(activation)
        self.beta_range = beta_range
        self.gamma_range = gamma_range
        for name in _QUANTIZERS:
            setattr(self, f"{name}_quantizer", given[name])
            setattr(self, f"{name}_quantizer_internal", internal[name])
        self.quantizers = [internal[name] for name in _QUANTIZERS]

    def _q(self, name: str, value, training):
        return apply(getattr(self, f"{name}_quantizer_internal"), value, training)

    def _statistics(self, inputs, training):
        """(mean, variance) the layer normalizes with, before quantization; updates the moving averages
        from the batch while training."""
        if not (training and self.trainable):
            return self.moving_mean, self.moving_variance
        mean, variance = ops.moments(inputs, axes=self._reduction_axes)
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return mean, variance

    def call(self, inputs, training=None, mask=None):  # mask: what Keras passes a functional model's BN; unused
        inputs = ops.cast(inputs, "float32")
        mean, variance = self._statistics(inputs, training)
        inv, offset = self._scale_and_offset(mean, variance, training)
        shape = self._broadcast_shape(len(inputs.shape))
        return inputs * ops.reshape(inv, shape) + ops.reshape(offset, shape)

    def _scale_and_offset(self, mean, variance, training):
        """(inv, offset) per channel, float32: outputs = inputs · inv + offset."""
        mean = self._q("mean", mean, training)
        variance = self._q("variance", variance, training)
        # same operation order as QKeras: rsqrt, times gamma, then the optional inverse quantizer
        inv = ops.rsqrt(variance + self.epsilon)
        if self.scale:
            inv = inv * self._q("gamma", self.gamma, training)
        inv = self._q("inverse", inv, training)
        offset = -mean * inv
        if self.center:
            offset = self._q("beta", self.beta, training) + offset
        return inv, offset

    def inference_constants(self) -> tuple:
        """(inv, offset): the float32 per-channel constants an inference call multiplies by and adds, computed
        by the same operations as call() (what a hardware implementation must hold)."""
        inv, offset = self._scale_and_offset(self.moving_mean, self.moving_variance, False)
        return ops.convert_to_numpy(inv), ops.convert_to_numpy(offset)

    def _broadcast_shape(self, ndim: int) -> tuple[int, ...]:
        shape = [1] * ndim
        shape[self.axis % ndim] = -1
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({f"{name}_quantizer": serialize_quantizer(getattr(self, f"{name}_quantizer_internal"))
                       for name in _QUANTIZERS})
        config.update({"activation": serialize_optional_activation(self.activation), "beta_range": self.beta_range,
                       "gamma_range": self.gamma_range})
        return config

    def get_quantizers(self) -> list:
        return self.quantizers

    def get_prunable_weights(self) -> list:
        return []
