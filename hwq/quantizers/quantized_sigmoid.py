"""quantized_sigmoid: the internal (or real) sigmoid rounded to bits unsigned fraction bits.

xq = clip(round(m·σ(x))/m, symmetric/m, 1 − 1/m), m = 2^bits, round = half to even: every output
lies on ap_ufixed<bits, 0>; the curve is a lookup table over the input type in hardware.
"""

from __future__ import annotations

from typing import Any

from keras import ops

from hwq.fixed import FixedType, Overflow, Rounding
from hwq.quantizers.base import as_int, changed_settings, format_call, plain
from hwq.quantizers.registry import register_quantizer
from hwq.quantizers.rounded_curve import RoundedCurve
from hwq.quantizers.sigmoid_functions import internal_sigmoid


@register_quantizer
class quantized_sigmoid(RoundedCurve):
    """A sigmoid quantized onto bits unsigned bits in [0, 1)."""

    CURVE = "sigmoid"

    def __init__(self, bits: int = 8, symmetric=False, use_real_sigmoid: bool = False,
                 use_stochastic_rounding: bool = False) -> None:
        super().__init__(use_stochastic_rounding)
        self.bits = as_int("bits", bits, minimum=1)
        self.symmetric = symmetric
        self.use_real_sigmoid = use_real_sigmoid

    def _bounds(self) -> tuple[float, float, float]:
        m = 2.0 ** self.bits
        return m, float(self.symmetric) / m, 1.0 - 1.0 / m

    def _curve(self, x):
        return ops.sigmoid(x) if self.use_real_sigmoid else internal_sigmoid(x)

    def output_type(self) -> FixedType:
        """ap_ufixed<bits, 0>."""
        return FixedType(self.bits, 0, False, Rounding.RND_CONV, Overflow.SAT)

    def get_config(self) -> dict[str, Any]:
        return {"bits": self.bits, "symmetric": plain(self.symmetric), "use_real_sigmoid": self.use_real_sigmoid,
                "use_stochastic_rounding": self.use_stochastic_rounding}

    def __str__(self) -> str:
        defaults = {"symmetric": False, "use_real_sigmoid": False, "use_stochastic_rounding": False}
        return format_call("quantized_sigmoid", [self.bits], changed_settings(self.get_config(), defaults))
