"""quantized_tanh: tanh (or 2·σ(x) − 1 with the internal sigmoid) rounded to bits signed bits.

xq = clip(round(m·p)/m, −1 + symmetric/m, 1 − 1/m), m = 2^(bits−1), round = half to even: every
output lies on ap_fixed<bits, 1>; the curve is a lookup table over the input type in hardware.
"""

from __future__ import annotations

from typing import Any

from keras import ops

from hwq.fixed import FixedType, Overflow, Rounding
from hwq.quantizers.base import as_int, changed_settings, format_call, plain
from hwq.quantizers.registry import register_quantizer
from hwq.quantizers.rounded_curve import RoundedCurve, rounded_curve
from hwq.quantizers.sigmoid_functions import internal_sigmoid

__all__ = ["quantized_tanh", "rounded_curve"]


@register_quantizer
class quantized_tanh(RoundedCurve):
    """A tanh quantized onto bits signed bits in [−1, 1)."""

    CURVE = "tanh"

    def __init__(self, bits: int = 8, use_stochastic_rounding: bool = False, symmetric=False,
                 use_real_tanh: bool = False) -> None:
        super().__init__(use_stochastic_rounding)
        self.bits = as_int("bits", bits, minimum=1)
        self.symmetric = symmetric
        self.use_real_tanh = use_real_tanh

    def _bounds(self) -> tuple[float, float, float]:
        m = 2.0 ** (self.bits - 1)
        return m, -1.0 + float(self.symmetric) / m, 1.0 - 1.0 / m

    def _curve(self, x):
        return ops.tanh(x) if self.use_real_tanh else 2.0 * internal_sigmoid(x) - 1.0

    def output_type(self) -> FixedType:
        """ap_fixed<bits, 1>."""
        overflow = Overflow.SAT_SYM if self.symmetric else Overflow.SAT
        return FixedType(self.bits, 1, True, Rounding.RND_CONV, overflow)

    def get_config(self) -> dict[str, Any]:
        return {"bits": self.bits, "symmetric": plain(self.symmetric),
                "use_stochastic_rounding": self.use_stochastic_rounding, "use_real_tanh": self.use_real_tanh}

    def __str__(self) -> str:
        defaults = {"use_stochastic_rounding": False, "symmetric": False, "use_real_tanh": False}
        return format_call("quantized_tanh", [self.bits], changed_settings(self.get_config(), defaults))
