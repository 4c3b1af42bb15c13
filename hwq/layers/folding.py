"""Batch normalization folded into the preceding layer's kernel and bias, QKeras' way.

The hardware has no batch normalization: it runs y = op(x, Q(k·W)) + Q(b'), with
k = gamma / sqrt(var + ε) per output channel and b' = k·(bias − mean) + beta. The folded layers train
so that what they learn is exactly that: the *folded* kernel is what the kernel quantizer sees.

Statistics (QKeras semantics):
- inference (training false): the moving mean and variance, nothing else.
- training: the float layer output op(x, W) + bias gives batch mean and variance; the moving averages
  move towards them; then
  * folding_mode="batch_stats_folding": k and b' use the batch statistics;
  * folding_mode="ema_stats_folding" (default, as TFLite): k always uses the moving variance (so the
    quantized kernel does not jitter from batch to batch); the output is multiplied by
    sqrt(moving var + ε) / sqrt(batch var + ε) to undo that, and b' uses the batch statistics —
    overall the float result equals batch normalization with batch statistics.
- ema_freeze_delay = n (None or negative: never): after the layer's training-call counter (starting at −1,
  counted before the call increments it) exceeds n, the moving averages freeze and training folds with
  them, as at inference.
The moving averages used in a training step are the ones just updated by that step (QKeras reads them
back after the update), and they pass no gradient; the batch statistics do.
A layer with trainable=False folds with the moving statistics while training too (Keras 3's rule for
frozen batch normalization; qkeras-v3 would still use batch statistics there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import keras
from keras import ops

from hwq.layers.common import apply

FOLDING_MODES = ("ema_stats_folding", "batch_stats_folding")
# BatchNormalization settings QKeras (Keras 2) and qkeras-v3 write into folded layers' configs but do not use
LEGACY_BN_OPTIONS = ("synchronized", "renorm", "renorm_clipping", "renorm_momentum", "fused", "virtual_batch_size",
                     "adjustment")
BN_CONFIG_KEYS = ("axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
                  "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
                  "beta_constraint", "gamma_constraint")


class Folding(NamedTuple):
    """What one call folds: the per-channel kernel factor k, the folded bias b', and the output correction
    (None when there is none)."""
    kernel_scale: Any
    bias: Any
    output_scale: Any


def batchnorm_options(scope: dict[str, Any]) -> dict[str, Any]:
    """The BatchNormalization settings (BN_CONFIG_KEYS) among a folded layer's __init__ arguments (its locals())."""
    return {key: scope[key] for key in BN_CONFIG_KEYS}


def pop_legacy_bn_options(kwargs: dict) -> None:
    for option in LEGACY_BN_OPTIONS:
        kwargs.pop(option, None)


class BatchnormFoldingMixin:
    """Mixed in before a quantized layer class; the layer provides `_channel_axis()` and `_folded_channels()`
    (and `_scale_kernel()` when k is not per kernel's last axis) and calls these."""

    # the attributes holding the kernel and its quantizer
    folded_kernel = "kernel"
    folded_kernel_quantizer = "kernel_quantizer_internal"

    def _init_folding(self, bn_args: dict[str, Any], trainable: bool, ema_freeze_delay: int | None,
                      folding_mode: str) -> None:
        if folding_mode not in FOLDING_MODES:
            raise ValueError(f"{type(self).__name__}: folding_mode must be one of {FOLDING_MODES}, "
                             f"got {folding_mode!r}")
        # a sub-layer named `batchnorm`, as in QKeras, so saved files keep QKeras' layout
        self.batchnorm = keras.layers.BatchNormalization(**bn_args, trainable=trainable)
        self.ema_freeze_delay = ema_freeze_delay
        self.folding_mode = folding_mode

    def build(self, input_shape) -> None:
        super().build(input_shape)
        self._build_folding(self._folded_channels(input_shape), len(input_shape))

    def _build_folding(self, channels: int, ndim: int) -> None:
        """Build the batch normalization for `channels` outputs of rank `ndim`, and the step counter."""
        channel_axis = self._channel_axis() % ndim
        if self.batchnorm.axis % ndim != channel_axis:
            raise ValueError(f"{type(self).__name__}: the batch normalization axis ({self.batchnorm.axis}) must be "
                             f"the output channel axis ({channel_axis}); pass axis={channel_axis}")
        shape = [None] + [1] * (ndim - 1)
        shape[channel_axis] = channels
        self.batchnorm.build(tuple(shape))
        self._iteration = self.add_weight(name="iteration", shape=(), dtype="int64", trainable=False,
                                          initializer=keras.initializers.Constant(-1))

    # -- the folding ----------------------------------------------------------------------------------

    def _fold_parts(self):
        """(kernel, bias) before folding; no bias is 0."""
        return getattr(self, self.folded_kernel), (self.bias if self.use_bias else 0.0)

    def _scale_kernel(self, kernel, k):
        return kernel * k  # k per output channel: the kernel's last axis

    def _gamma_beta(self):
        bn = self.batchnorm
        return (bn.gamma if bn.scale else 1.0), (bn.beta if bn.center else 0.0)

    def _inverse(self, variance, gamma):
        # QKeras' order of operations: 1/sqrt(var + ε), then times gamma
        return (1.0 / ops.sqrt(variance + self.batchnorm.epsilon)) * gamma

    def _inference_folding(self, bias) -> Folding:
        gamma, beta = self._gamma_beta()
        k = self._inverse(self.batchnorm.moving_variance, gamma)
        return Folding(k, k * (bias - self.batchnorm.moving_mean) + beta, None)

    def _folding(self, bias, training, float_outputs: Callable) -> Folding:
        """The folding for this call; `float_outputs()` gives op(x, W) + bias (computed only in training)."""
        if not training:
            return self._inference_folding(bias)
        outputs = float_outputs()
        ndim = len(outputs.shape)
        axes = [a for a in range(ndim) if a != self._channel_axis() % ndim]
        mean, variance = ops.moments(outputs, axes=axes)
        bn_training = self._bn_training()
        moving_mean, moving_variance = self._update_moving_statistics(mean, variance, bn_training)
        self._iteration.assign_add(ops.convert_to_tensor(1, dtype="int64"))
        gamma, beta = self._gamma_beta()
        moving_k = self._inverse(moving_variance, gamma)
        batch_k = self._inverse(variance, gamma)
        if self.folding_mode == "batch_stats_folding":
            k = ops.where(bn_training, batch_k, moving_k)
            return Folding(k, k * (bias - ops.where(bn_training, mean, moving_mean)) + beta, None)
        folded_bias = ops.where(bn_training, batch_k * (bias - mean) + beta, moving_k * (bias - moving_mean) + beta)
        eps = self.batchnorm.epsilon
        correction = ops.where(bn_training, ops.sqrt(moving_variance + eps) * (1.0 / ops.sqrt(variance + eps)), 1.0)
        return Folding(moving_k, folded_bias, correction)

    def _bn_training(self):
        """Whether this training call uses (and updates) batch statistics: not frozen by trainable=False or by
        ema_freeze_delay (compared with the counter before this call's increment)."""
        active = ops.convert_to_tensor(bool(self.trainable))
        delay = self.ema_freeze_delay
        if delay is None or delay < 0:
            return active
        return ops.logical_and(active, ops.less_equal(self._iteration, delay))

    def _update_moving_statistics(self, mean, variance, bn_training):
        bn = self.batchnorm
        new_mean = ops.where(bn_training, bn.moving_mean * bn.momentum + mean * (1.0 - bn.momentum), bn.moving_mean)
        new_variance = ops.where(bn_training, bn.moving_variance * bn.momentum + variance * (1.0 - bn.momentum),
                                 bn.moving_variance)
        bn.moving_mean.assign(new_mean)
        bn.moving_variance.assign(new_variance)
        # QKeras folds with the updated averages read back from the variables: no gradient through them
        return ops.stop_gradient(new_mean), ops.stop_gradient(new_variance)

    # -- config and saving ----------------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._folding_config())
        return config

    def _folding_config(self) -> dict[str, Any]:
        bn_config = self.batchnorm.get_config()
        config = {key: bn_config[key] for key in BN_CONFIG_KEYS}
        config.update({"ema_freeze_delay": self.ema_freeze_delay, "folding_mode": self.folding_mode})
        return config

    def _own_weights_but_iteration(self) -> list:
        return [v for v in self._trainable_variables + self._non_trainable_variables if v is not self._iteration]

    def save_own_variables(self, store) -> None:
        """kernel(s) and bias as "0", "1", ... and the step counter as "iteration" (qkeras-v3's layout)."""
        for i, variable in enumerate(self._own_weights_but_iteration()):
            store[str(i)] = variable
        store["iteration"] = self._iteration

    def load_own_variables(self, store) -> None:
        """Reads hwq's and qkeras-v3's layouts (the latter may also list the counter under a number)."""
        weights = self._own_weights_but_iteration()
        keys = set(store.keys())
        missing = [str(i) for i in range(len(weights)) if str(i) not in keys]
        if missing:
            raise ValueError(f"layer {self.name!r}: the weights file has no variables {missing} "
                             f"(expected {[w.name for w in weights]} and 'iteration')")
        for i, variable in enumerate(weights):
            variable.assign(store[str(i)])
        if "iteration" in keys:
            self._iteration.assign(store["iteration"])

    def get_folded_weights(self) -> list:
        """[folded kernel, folded bias] from the moving statistics: what inference quantizes (QKeras' API)."""
        kernel, bias = self._fold_parts()
        folding = self._inference_folding(bias)
        return [self._scale_kernel(kernel, folding.kernel_scale), folding.bias]

    def get_quantized_folded_weights(self) -> list:
        """[Q(folded kernel), Q(folded bias)]: the constants an inference call multiplies and adds, computed
        by the same functions as call() (what a hardware implementation holds)."""
        kernel, bias = self.get_folded_weights()
        q_kernel = apply(getattr(self, self.folded_kernel_quantizer), kernel, False)
        return [self._masked(q_kernel), apply(self.bias_quantizer_internal, bias, False)]

    def _masked(self, kernel):
        """Kernel taps a layer removes (QConv2D's mask); none by default."""
        return kernel
