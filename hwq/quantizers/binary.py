"""binary and stochastic_binary: ±alpha (or {0, alpha}), one bit per value — an xor/negate in hardware.

k = sign(x) with sign(0) = +1 (use_01: (k + 1)/2). alpha None -> 1 (and the gradient follows tanh(x)),
a number or per-channel array -> that, 'auto' -> mean(x·k)/mean(k²) per channel, 'auto_po2' -> that
rounded to a power of two (optionally clipped to [2^min_po2_exponent, 2^max_po2_exponent]).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from hwq.fixed import BinaryType, Po2Scale
from hwq.quantizers import auto_scale
from hwq.quantizers.alpha import check_alpha, eager_numpy
from hwq.quantizers.base import BaseQuantizer, format_call, plain, sign_no_zero
from hwq.quantizers.registry import register_quantizer
from hwq.quantizers.sigmoid_functions import internal_sigmoid
from hwq.quantizers.stochastic import stochastic_round


class ScaledLevels(BaseQuantizer):
    """What binary, ternary and bernoulli share: a fixed or automatic scale times a few levels."""

    def _fixed_scale(self):
        """The scale for a non-automatic alpha (None -> 1)."""
        return 1.0 if self.alpha is None else self.alpha

    def _store_scale(self, scale) -> None:
        value = eager_numpy(scale)
        if value is not None:  # keep the last eager value while a graph is traced
            self.scale = value

    def _po2_scale(self) -> Po2Scale:
        """The scale as powers of two (for hw_kind), or a refusal naming why not."""
        automatic = self.alpha if isinstance(self.alpha, str) else None
        if automatic == "auto":
            raise self.unsupported("alpha='auto' (a float scale per channel, not a power of two)",
                                   "alpha None, a power of two or 'auto_po2'")
        if automatic == "auto_po2":
            if self.scale is None:
                raise self.unsupported("alpha='auto_po2' before any call (its per-channel scales come from the "
                                       "tensor: call the quantizer on the weights first)")
            value = self.scale
        else:
            value = self._fixed_scale()
        try:
            scale = Po2Scale.from_factors(value)
        except ValueError:
            raise self.unsupported(f"alpha={plain(self.alpha)!r} (scale {plain(value)!r} is not a power of two)",
                                   "alpha None, a power of two or 'auto_po2'") from None
        return Po2Scale.uniform(scale.exponents[0]) if scale.is_uniform else scale

    def hw_type_and_shift(self):
        raise self.unsupported(f"a {type(self).__name__} grid (not a fixed-point type)", "see hw_kind()")

    def max(self) -> float:
        """QKeras' max(): 1 for alpha None or automatic, else max(1, alpha)."""
        if self.alpha is None or isinstance(self.alpha, str):
            return 1.0
        return float(max(1.0, np.max(self.alpha)))

    def min(self) -> float:
        return -self.max()


@register_quantizer
class binary(ScaledLevels):
    """sign(x)·alpha with sign(0) = +1 (or {0, alpha} with use_01)."""

    def __init__(self, use_01: bool = False, alpha=None, training: bool = False, use_stochastic_rounding: bool = False,
                 scale_axis=None, elements_per_scale=None, min_po2_exponent: int | None = None,
                 max_po2_exponent: int | None = None) -> None:
        super().__init__(use_stochastic_rounding)
        self.use_01 = bool(use_01)
        self.alpha = check_alpha(alpha)
        self.training = training
        self.bits = 1
        self.default_alpha = 1.0
        self.scale = None
        self.scale_axis = scale_axis
        self.elements_per_scale = elements_per_scale
        self.min_po2_exponent = min_po2_exponent
        self.max_po2_exponent = max_po2_exponent

    def quantize(self, x, training: bool | None):
        training = self.training if training is None else training
        if self.use_stochastic_rounding and training:
            x, k = self._stochastic_sign(x)
        else:
            k = sign_no_zero(x)
        if self.use_01:
            k = (k + 1.0) / 2.0
        reference = ops.tanh(x) if self.alpha is None else x
        scale = self._scale_for(reference, k)
        self._store_scale(scale)
        return reference, scale * k

    def _scale_for(self, x, k):
        if isinstance(self.alpha, str):
            return auto_scale.least_squares_scale(self.alpha, x, k, self.scale_axis, self.elements_per_scale,
                                                  self.min_po2_exponent, self.max_po2_exponent)
        return self._fixed_scale()

    def _stochastic_sign(self, x):
        """Stochastically round x/(2·min(max|x|, 1)) to eighths (unbiased), then take signs, with a fair coin
        for the values that round to 0. Returns the rounded x (the scale is fitted to it) and the signs."""
        m = ops.max(ops.abs(x), axis=auto_scale.channel_axes(len(x.shape)), keepdims=True)
        f = 2.0 * ops.minimum(m, 1.0)
        x = f * stochastic_round(x / f, precision=0.125, seed=self._seed_generator)
        coin = 2.0 * ops.round(self._uniform(ops.shape(x))) - 1.0
        k = ops.sign(x)
        return x, k + (1.0 - ops.abs(k)) * coin

    def _set_trainable_parameter(self) -> None:
        if self.alpha is None:
            self.alpha = "auto_po2"

    def hw_kind(self) -> BinaryType:
        """{-1, +1} ({0, 1} with use_01) times the power-of-two scale, per channel for 'auto_po2'."""
        return BinaryType(self.use_01, self._po2_scale())

    def min(self) -> float:
        return 0.0 if self.use_01 else super().min()

    def get_config(self) -> dict[str, Any]:
        return {"use_01": self.use_01, "alpha": plain(self.alpha), "training": self.training,
                "use_stochastic_rounding": self.use_stochastic_rounding, "scale_axis": plain(self.scale_axis),
                "elements_per_scale": plain(self.elements_per_scale), "min_po2_exponent": self.min_po2_exponent,
                "max_po2_exponent": self.max_po2_exponent}

    def __str__(self) -> str:
        return _short("binary", self.get_config(), {"use_01": False, "alpha": None, "training": False,
                                                    "use_stochastic_rounding": False, "scale_axis": None,
                                                    "elements_per_scale": None, "min_po2_exponent": None,
                                                    "max_po2_exponent": None})


@register_quantizer
class stochastic_binary(binary):
    """In training ±scale with P(+) = sigmoid(temperature·x/std) (std per channel for automatic alpha, else 1);
    at inference the deterministic binary."""

    def __init__(self, alpha=None, temperature: float = 6.0, use_real_sigmoid: bool = True) -> None:
        super().__init__(alpha=alpha)
        self.temperature = temperature
        self.use_real_sigmoid = use_real_sigmoid
        self._seed_generator = keras.random.SeedGenerator()

    def quantize(self, x, training: bool | None):
        if not training:
            return super().quantize(x, training)
        p = self.probability(x)
        k = sign_no_zero(p - self._uniform(ops.shape(x)))
        # the scale is fitted to the deterministic signs, as QKeras does
        scale = self._scale_for(x, sign_no_zero(x))
        self._store_scale(scale)
        return x, scale * k

    def probability(self, x):
        """P(+1) for each x in training."""
        return sample_probability(x, self.alpha, self.temperature, self.use_real_sigmoid)

    def _scale_for(self, x, k):
        if isinstance(self.alpha, str):
            return auto_scale.least_squares_scale(self.alpha, x, k)
        return self._fixed_scale()

    def get_config(self) -> dict[str, Any]:
        return {"alpha": plain(self.alpha), "temperature": plain(self.temperature),
                "use_real_sigmoid": self.use_real_sigmoid}

    def __str__(self) -> str:
        return _short("stochastic_binary", self.get_config(), {"alpha": None, "temperature": 6.0,
                                                               "use_real_sigmoid": True})


def sample_probability(x, alpha, temperature: float, use_real_sigmoid: bool):
    """sigmoid(temperature·x/std): std per channel (plus eps) for an automatic alpha, else 1."""
    if isinstance(alpha, str):
        axes = auto_scale.channel_axes(len(x.shape)) if len(x.shape) > 1 else [0]
        x = x / (ops.std(x, axis=axes, keepdims=True) + keras.config.epsilon())
    t = temperature * x
    return ops.sigmoid(t) if use_real_sigmoid else internal_sigmoid(t)


def _short(name: str, config: dict[str, Any], defaults: dict[str, Any]) -> str:
    """NAME(key=value, ...) with the settings that differ from their defaults."""
    return format_call(name, [], {k: v for k, v in config.items() if k in defaults and v != defaults[k]})
