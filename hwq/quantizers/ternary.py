"""ternary and stochastic_ternary: {−alpha, 0, +alpha} — a mux in hardware.

Fixed alpha (None -> 1, a number, an array): q = sign(x)·[|x| >= threshold] (threshold 0.33 unless
given), output alpha·q; with alpha None the gradient follows tanh(x).
'auto'/'auto_po2' (threshold must be None): start from 2·max|x|/3 per channel (po2-rounded for
'auto_po2'), then number_of_unrolls rounds of { q = sign(x)·[round(x/scale) != 0];
scale = least squares of x on q (po2-rounded) }; the output is the last scale times the last q.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from hwq.fixed import TernaryType
from hwq.quantizers import auto_scale
from hwq.quantizers.alpha import check_alpha
from hwq.quantizers.base import as_int, plain
from hwq.quantizers.binary import ScaledLevels, _short
from hwq.quantizers.registry import register_quantizer
from hwq.quantizers.sigmoid_functions import internal_sigmoid

DEFAULT_THRESHOLD = 0.33


@register_quantizer
class ternary(ScaledLevels):
    """sign(x)·alpha outside a dead band around 0, 0 inside it."""

    def __init__(self, alpha=None, threshold: float | None = None, use_stochastic_rounding: bool = False,
                 number_of_unrolls: int = 5) -> None:
        super().__init__(use_stochastic_rounding)
        self.alpha = check_alpha(alpha)
        if threshold is not None and not isinstance(threshold, (int, float, np.number)):
            raise ValueError(f"threshold must be None or a number, got {threshold!r}")
        self.threshold = threshold
        self.number_of_unrolls = as_int("number_of_unrolls", number_of_unrolls, minimum=0)
        self.bits = 2
        self.default_alpha = 1.0
        self.default_threshold = DEFAULT_THRESHOLD
        self.scale = None
        self._check_settings()

    def _check_settings(self) -> None:
        if isinstance(self.alpha, str):
            if self.threshold is not None:
                raise ValueError(f"ternary: alpha={self.alpha!r} computes its own threshold; leave threshold=None")
            if self.number_of_unrolls < 1:
                raise ValueError(f"ternary: alpha={self.alpha!r} needs number_of_unrolls >= 1")

    def _threshold(self) -> float:
        return self.default_threshold if self.threshold is None else self.threshold

    def quantize(self, x, training: bool | None):
        if isinstance(self.alpha, str):
            scale, q = self._auto(x, training)
        else:
            scale = self._fixed_scale()
            q = ops.sign(x) * ops.cast(ops.abs(x) >= self._threshold(), "float32")
        self._store_scale(scale)
        reference = ops.tanh(x) if self.alpha is None else x
        return reference, scale * q

    def _auto(self, x, training):
        scale = ops.max(ops.abs(x), axis=auto_scale.channel_axes(len(x.shape)), keepdims=True) * 2.0 / 3.0
        if self.alpha == "auto_po2":
            scale = auto_scale.round_to_po2(scale)
        q = None
        for _ in range(self.number_of_unrolls):
            # |scale·round(x/scale)| >= scale/2 is round(x/scale) != 0 (ties at ±1/2 round to 0)
            level = scale * self._round(x / scale, training)
            q = ops.sign(x) * ops.cast(ops.abs(level) >= scale / 2.0, "float32")
            scale = auto_scale.least_squares_scale(self.alpha, x, q)
        return scale, q

    def _set_trainable_parameter(self) -> None:
        if self.alpha is None:
            self.alpha = "auto_po2"
            self.threshold = None

    def hw_kind(self) -> TernaryType:
        """{−1, 0, +1} times the power-of-two scale (per channel for 'auto_po2'); the threshold is the
        float32 dead band for fixed alpha (what an activation compares |x| against)."""
        scale = self._po2_scale()
        threshold = None if isinstance(self.alpha, str) else float(np.float32(self._threshold()))
        return TernaryType(scale, threshold)

    def get_config(self) -> dict[str, Any]:
        return {"alpha": plain(self.alpha), "threshold": plain(self.threshold),
                "use_stochastic_rounding": self.use_stochastic_rounding, "number_of_unrolls": self.number_of_unrolls}

    def __str__(self) -> str:
        return _short("ternary", self.get_config(), {"alpha": None, "threshold": None,
                                                     "use_stochastic_rounding": False, "number_of_unrolls": 5})


@register_quantizer
class stochastic_ternary(ternary):
    """In training q = (q0 + q1)/2 with q0, q1 = ±1 drawn with P(+1) = sigmoid(t·(x ∓ T)/std) (so
    E[q] = p0 + p1 − 1), T half the fitted scale; at inference the deterministic ternary."""

    def __init__(self, alpha=None, threshold: float | None = None, temperature: float = 8.0,
                 use_real_sigmoid: bool = True, number_of_unrolls: int = 5) -> None:
        if threshold is not None and float(threshold) == 1.0:
            raise ValueError("stochastic_ternary: threshold must not be 1.0")
        self.temperature = temperature
        self.use_real_sigmoid = use_real_sigmoid
        super().__init__(alpha=alpha, threshold=threshold, number_of_unrolls=number_of_unrolls)
        self._seed_generator = keras.random.SeedGenerator()

    def quantize(self, x, training: bool | None):
        if not training:
            return super().quantize(x, training)
        scale, half_width = self._train_scale(x)
        p0, p1 = self.probabilities(x, scale, half_width)
        q0 = _sign_draw(p0 - self._uniform(ops.shape(x)))
        q1 = _sign_draw(p1 - self._uniform(ops.shape(x)))
        self._store_scale(scale)
        return x, scale * (q0 + q1) / 2.0

    def _train_scale(self, x):
        """The scale and the dead band's half width T in x units."""
        if not isinstance(self.alpha, str):
            # QKeras only samples with automatic alpha; hwq samples around the inference threshold
            return self._fixed_scale(), self._threshold()
        scale = ops.max(ops.abs(x), axis=auto_scale.channel_axes(len(x.shape)) if len(x.shape) > 1 else [0],
                        keepdims=True) * 2.0 / 3.0
        if self.alpha == "auto_po2":
            scale = auto_scale.round_to_po2(scale)
        for _ in range(self.number_of_unrolls):
            q = ops.cast(ops.abs(x) >= scale / 2.0, "float32") * ops.sign(x)
            scale = auto_scale.least_squares_scale(self.alpha, x, q)
        return scale, scale / 2.0

    def probabilities(self, x, scale=None, half_width=None):
        """(P(q0 = +1), P(q1 = +1)) for each x in training."""
        if scale is None:
            scale, half_width = self._train_scale(x)
        axes = auto_scale.channel_axes(len(x.shape)) if len(x.shape) > 1 else [0]
        std = ops.std(x, axis=axes, keepdims=True) + keras.config.epsilon()
        sigmoid = ops.sigmoid if self.use_real_sigmoid else internal_sigmoid
        return (sigmoid(self.temperature * (x - half_width) / std),
                sigmoid(self.temperature * (x + half_width) / std))

    def get_config(self) -> dict[str, Any]:
        return {"alpha": plain(self.alpha), "threshold": plain(self.threshold), "temperature": plain(self.temperature),
                "use_real_sigmoid": self.use_real_sigmoid, "number_of_unrolls": self.number_of_unrolls}

    def __str__(self) -> str:
        return _short("stochastic_ternary", self.get_config(), {"alpha": None, "threshold": None, "temperature": 8.0,
                                                                "use_real_sigmoid": True, "number_of_unrolls": 5})


def _sign_draw(d):
    s = ops.sign(d)
    return s + (1.0 - ops.abs(s))
