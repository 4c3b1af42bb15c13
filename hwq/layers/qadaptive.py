"""QAdaptiveActivation: an activation quantizer whose integer bits follow moving averages of its input range.

QKeras' experimental layer: `activation` is "quantized_bits" or "quantized_relu" (no arguments), with
`total_bits` bits. While training it keeps exponential moving averages (EMAs) of the per-batch minimum and
maximum of the activation (per channel if asked) and picks the integer bits that cover them; for the first
`quantization_delay` training steps it passes the float activation through unquantized.
"""

from __future__ import annotations

import warnings
from typing import Any

import keras
import numpy as np
from keras import ops

from hwq.quantizers import quantized_bits, quantized_relu

SUPPORTED = ("quantized_bits", "quantized_relu")


def integer_bits_for_range(min_value, max_value, bits: int, symmetric: bool, keep_negative: bool,
                           is_clipping: bool):
    """The integer bits (sign excluded) a `bits`-bit grid needs to cover [min_value, max_value] (tensors).

    is_clipping (QAdaptiveActivation's po2_rounding): round log2 of the bounds to the nearest integer, so
    the range may clip; otherwise take the ceiling and add a bit where the bound exceeds the grid's top
    (for the minimum only when symmetric). Never more than the unsigned bits.
    """
    unsigned_bits = bits - int(bool(keep_negative))
    if not keep_negative:
        min_value, max_value = ops.maximum(min_value, 0.0), ops.maximum(max_value, 0.0)
    # log2|v| is -inf at 0, which the `> 0` guard turns into 0 integer bits
    min_log2 = ops.log2(ops.abs(min_value))
    max_log2 = ops.log2(ops.abs(max_value))
    min_pos = ops.where(min_log2 > 0, min_log2, 0.0)
    max_pos = ops.where(max_log2 > 0, max_log2, 0.0)
    if is_clipping:
        min_int, max_int = ops.round(min_pos), ops.round(max_pos)
    else:
        min_int, max_int = ops.ceil(min_pos), ops.ceil(max_pos)
        top = 2.0 ** max_int - 2.0 ** ops.minimum(max_int - unsigned_bits, 0.0)
        max_int = ops.where(max_value <= top, max_int, max_int + 1)
        if symmetric:
            bottom = -(2.0 ** min_int) + 2.0 ** ops.minimum(min_int - unsigned_bits, 0.0)
            min_int = ops.where(bottom <= min_value, min_int, min_int + 1)
    return ops.minimum(float(unsigned_bits), ops.maximum(min_int, max_int))


class _ExternalStep:
    """Holds a step counter owned by someone else (the optimizer), out of Keras' variable tracking, so the
    layer neither saves nor restores it."""

    def __init__(self, variable) -> None:
        self.variable = variable


@keras.saving.register_keras_serializable(package="hwq")
class QAdaptiveActivation(keras.layers.Layer):
    """quantizer(x) with integer bits chosen from EMAs of the activation's min and max.

    current_step: a Keras variable to follow (e.g. model.optimizer.iterations); None (default) makes the
    layer count its own training calls from -1; an int starts a private counter there that never advances
    (QKeras' behaviour). ema_freeze_delay: stop updating the EMAs once the step exceeds it (None: never).
    ema_decay: the EMAs' decay. per_channel: one pair of EMAs, hence integer bits, per channel (axis -1, or 1
    for image_data_format 'channels_first'). po2_rounding: round log2 of the EMA bounds (the range may clip)
    instead of taking the ceiling. relu_neg_slope, relu_upper_bound: quantized_relu's leak and clip.

    The integer bits used by a call come from the EMAs as they stand before that call updates them, which
    is what QKeras' stored bits hold during training, and what a freshly loaded layer needs.
    """

    def __init__(self, activation: str, total_bits: int, current_step=None, symmetric: bool = True,
                 quantization_delay: int = 0, ema_freeze_delay: int | None = None, ema_decay: float = 0.9999,
                 per_channel: bool = False, po2_rounding: bool = False, relu_neg_slope: float = 0.0,
                 relu_upper_bound: float | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if activation not in SUPPORTED:
            raise ValueError(f"QAdaptiveActivation: activation must be one of {SUPPORTED} without arguments (the "
                             f"layer sets bits and integer bits itself), got {activation!r}")
        self.activation_name = activation
        self.total_bits = int(total_bits)
        self.symmetric = symmetric
        self.quantization_delay = int(quantization_delay)
        self.ema_freeze_delay = ema_freeze_delay
        self.ema_decay = float(ema_decay)
        self.per_channel = per_channel
        self.po2_rounding = po2_rounding
        self.relu_neg_slope = relu_neg_slope
        self.relu_upper_bound = relu_upper_bound
        self.keep_negative = activation == "quantized_bits" or relu_neg_slope != 0.0
        # the quantizer on the grid with 0 integer bits: a call scales its input by 2^-integer and its
        # output back by 2^integer, which is exactly quantizing with `integer` bits (powers of two only)
        if activation == "quantized_bits":
            self.quantizer = quantized_bits(self.total_bits, 0, symmetric=symmetric, keep_negative=True, alpha=1.0)
        else:
            self.quantizer = quantized_relu(self.total_bits, 0, negative_slope=relu_neg_slope,
                                            is_quantized_clip=False)
        self.activation = self.quantizer  # QKeras' qtools read `activation`
        self._setup_step(current_step)
        if self.quantization_delay < 1:
            warnings.warn("QAdaptiveActivation with quantization_delay=0 quantizes from the first step, so the "
                          "range averages start from an arbitrary grid; consider a larger quantization_delay",
                          stacklevel=2)

    def _setup_step(self, current_step) -> None:
        # a variable (Keras' or TensorFlow's) is followed; a number starts a private counter
        is_variable = current_step is not None and hasattr(current_step, "assign_add")
        self._given_step = None if is_variable else current_step
        self.is_estimating_step_count = current_step is None
        if is_variable:
            self._external_step = _ExternalStep(current_step)
            return
        self._external_step = None
        start = -1 if current_step is None else int(current_step)
        self._own_step = self.add_weight(name="step", shape=(), dtype="int64", trainable=False,
                                         initializer=keras.initializers.Constant(start))

    @property
    def step(self):
        return self._external_step.variable if self._external_step is not None else self._own_step

    def _channel_axis(self) -> int:
        return -1 if keras.config.image_data_format() == "channels_last" else 1

    def build(self, input_shape) -> None:
        channels = int(input_shape[self._channel_axis()]) if self.per_channel else 1
        self.ema_min = self.add_weight(name="ema_min", shape=(channels,), initializer="zeros", trainable=False)
        self.ema_max = self.add_weight(name="ema_max", shape=(channels,), initializer="zeros", trainable=False)

    def integer_bits(self):
        """The integer bits the next call uses, per channel (one value unless per_channel)."""
        return integer_bits_for_range(self.ema_min, self.ema_max, self.total_bits, self.symmetric,
                                      self.keep_negative, self.po2_rounding)

    def _per_channel(self, values, ndim: int):
        """Broadcast per-channel values along the channel axis of an ndim-rank tensor."""
        if not self.per_channel or ndim < 2:
            return values
        shape = [1] * ndim
        shape[self._channel_axis() % ndim] = -1
        return ops.reshape(values, shape)

    def _reduction_axes(self, ndim: int) -> list[int]:
        if ndim <= 1:
            return [0]
        if self.per_channel:
            return [a for a in range(ndim) if a != self._channel_axis() % ndim]
        return list(range(ndim))

    def call(self, inputs, training=None):
        x = ops.cast(inputs, "float32")
        training = bool(training) and self.trainable
        if training and self.is_estimating_step_count:
            self.step.assign_add(ops.convert_to_tensor(1, dtype="int64"))
        ndim = len(x.shape)
        scale = self._per_channel(2.0 ** self.integer_bits(), ndim)
        reference, xq = self.quantizer.quantize(x / scale, training)
        reference, xq = reference * scale, xq * scale
        if self.relu_upper_bound and self.activation_name == "quantized_relu":
            reference = ops.minimum(reference, self.relu_upper_bound)
            xq = ops.minimum(xq, self.relu_upper_bound)
        quantized = self.quantizer._straight_through(reference, xq)
        if training:
            # before quantization_delay steps the float activation passes (QKeras' qnoise_factor 0)
            quantized = ops.where(ops.greater_equal(self.step, self.quantization_delay), quantized, reference)
            self._update_emas(reference, ndim)
        return quantized

    def _update_emas(self, activation, ndim: int) -> None:
        """Move the EMAs towards this batch's min and max of the float activation, unless frozen."""
        axes = self._reduction_axes(ndim)
        active = ops.convert_to_tensor(True)
        if self.ema_freeze_delay:
            active = ops.less_equal(self.step, self.ema_freeze_delay)
        decay = self.ema_decay
        for ema, batch in ((self.ema_min, ops.min(activation, axis=axes)),
                           (self.ema_max, ops.max(activation, axis=axes))):
            moved = ema * decay + ops.stop_gradient(batch) * (1.0 - decay)
            ema.assign(ops.where(active, moved, ema))

    def get_weights(self) -> list:
        # QKeras keeps the EMAs out of get_weights/set_weights (they are state, not parameters)
        return []

    def set_weights(self, weights) -> None:
        return None

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({
            "activation": self.activation_name,
            "total_bits": self.total_bits,
            # an own counter is a saved weight; a given int is kept; an optimizer's variable cannot be
            # written into a config: its current value is (the reloaded layer must be reconnected, as in QKeras)
            "current_step": (None if self.is_estimating_step_count else
                             int(self._given_step) if self._external_step is None
                             else int(ops.convert_to_numpy(self.step))),
            "symmetric": self.symmetric,
            "quantization_delay": self.quantization_delay,
            "ema_freeze_delay": self.ema_freeze_delay,
            "ema_decay": self.ema_decay,
            "per_channel": self.per_channel,
            "po2_rounding": self.po2_rounding,
            "relu_neg_slope": self.relu_neg_slope,
            "relu_upper_bound": self.relu_upper_bound,
        })
        return config

    def get_quantization_config(self) -> str:
        bits = np.asarray(self.integer_bits()).astype(int).tolist() if self.built else [0]
        integer = bits[0] if len(set(bits)) == 1 else bits
        return f"{self.activation_name}({self.total_bits},{integer})"

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_prunable_weights(self) -> list:
        return []
