"""QDenseBatchnorm: QDense with a batch normalization folded into its kernel and bias (see folding.py)."""

from __future__ import annotations

import keras
from keras import ops

from hwq.layers.common import apply
from hwq.layers.folding import BatchnormFoldingMixin, batchnorm_options, pop_legacy_bn_options
from hwq.layers.qdense import QDense


@keras.saving.register_keras_serializable(package="hwq")
class QDenseBatchnorm(BatchnormFoldingMixin, QDense):
    """activation(inputs @ Q_k(k·kernel) [· correction] + Q_b(k·(bias − mean) + beta)), k = gamma/sqrt(var + ε).

    QDense's arguments, then BatchNormalization's, then ema_freeze_delay and folding_mode (QKeras' order).
    Weights: kernel, bias (if use_bias), the sub-layer `batchnorm` (gamma, beta, moving mean and variance)
    and the training-step counter `iteration`.
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True, kernel_initializer="he_normal",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, kernel_quantizer=None, bias_quantizer=None,
                 kernel_range=None, bias_range=None, axis: int = -1, momentum: float = 0.99, epsilon: float = 0.001,
                 center: bool = True, scale: bool = True, beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, trainable: bool = True,
                 ema_freeze_delay: int | None = None, folding_mode: str = "ema_stats_folding", **kwargs) -> None:
        pop_legacy_bn_options(kwargs)
        super().__init__(units=units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, kernel_quantizer=kernel_quantizer,
                         bias_quantizer=bias_quantizer, kernel_range=kernel_range, bias_range=bias_range,
                         trainable=trainable, **kwargs)
        self._init_folding(batchnorm_options(locals()), trainable, ema_freeze_delay, folding_mode)

    def _channel_axis(self) -> int:
        return -1

    def _folded_channels(self, input_shape) -> int:
        return self.units

    def call(self, inputs, training=None):
        kernel, bias = self._fold_parts()
        folding = self._folding(bias, training, lambda: ops.matmul(inputs, kernel) + bias)
        q_kernel = apply(self.kernel_quantizer_internal, self._scale_kernel(kernel, folding.kernel_scale), training)
        outputs = ops.matmul(inputs, q_kernel)
        if folding.output_scale is not None:
            outputs = outputs * folding.output_scale
        outputs = outputs + apply(self.bias_quantizer_internal, folding.bias, training)
        return apply(self.activation, outputs, training)
