"""bernoulli: {0, scale}, a 1 drawn with probability sigmoid(temperature·x/std) while training.

At inference hwq takes the likelier outcome, 1 for x >= 0 (sigmoid(0) = 1/2 ties to 1, as QKeras'
sign(0) = +1 does); QKeras draws at inference too (docs/qkeras-differences.md).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from hwq.fixed import BinaryType
from hwq.quantizers import auto_scale
from hwq.quantizers.alpha import check_alpha
from hwq.quantizers.base import plain, sign_no_zero
from hwq.quantizers.binary import ScaledLevels, _short, sample_probability
from hwq.quantizers.registry import register_quantizer


@register_quantizer
class bernoulli(ScaledLevels):
    """0 or scale; scale = 1 for alpha None, alpha, or fitted per channel for 'auto'/'auto_po2'."""

    def __init__(self, alpha=None, temperature: float = 6.0, use_real_sigmoid: bool = True) -> None:
        super().__init__()
        self.alpha = check_alpha(alpha)
        self.bits = 1
        self.temperature = temperature
        self.use_real_sigmoid = use_real_sigmoid
        self.default_alpha = 1.0
        self.scale = None
        self._seed_generator = keras.random.SeedGenerator()

    def quantize(self, x, training: bool | None):
        likely = (sign_no_zero(x) + 1.0) / 2.0
        if training:
            p = self.probability(x)
            q = (sign_no_zero(p - self._uniform(ops.shape(x))) + 1.0) / 2.0
        else:
            q = likely
        # the scale is fitted to the deterministic outcome, as QKeras does
        scale = auto_scale.least_squares_scale(self.alpha, x, likely) if isinstance(self.alpha, str) \
            else self._fixed_scale()
        self._store_scale(scale)
        return x, scale * q

    def probability(self, x):
        """P(1) for each x in training."""
        return sample_probability(x, self.alpha, self.temperature, self.use_real_sigmoid)

    def _set_trainable_parameter(self) -> None:
        if self.alpha is None:
            self.alpha = "auto_po2"

    def hw_kind(self) -> BinaryType:
        """{0, 1} times the power-of-two scale (per channel for 'auto_po2')."""
        return BinaryType(True, self._po2_scale())

    def min(self) -> float:
        return 0.0

    def get_config(self) -> dict[str, Any]:
        return {"alpha": plain(self.alpha), "temperature": plain(self.temperature),
                "use_real_sigmoid": self.use_real_sigmoid}

    def __str__(self) -> str:
        return _short("bernoulli", self.get_config(), {"alpha": None, "temperature": 6.0, "use_real_sigmoid": True})
