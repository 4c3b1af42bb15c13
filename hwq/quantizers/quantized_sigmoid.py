"""quantized_sigmoid: the internal (or real) sigmoid rounded to bits unsigned fraction bits.

xq = clip(round(m·σ(x))/m, symmetric/m, 1 − 1/m), m = 2^bits, round = half to even: every output
lies on ap_ufixed<bits, 0>; the curve is a lookup table over the input type in hardware.
"""

from __future__ import annotations

from typing import Any

from keras import ops

from hwq.fixed import FixedType, LookupTable, Overflow, Rounding
from hwq.quantizers.base import BaseQuantizer, as_int, format_call, plain
from hwq.quantizers.quantized_tanh import rounded_curve
from hwq.quantizers.registry import register_quantizer
from hwq.quantizers.sigmoid_functions import internal_sigmoid


@register_quantizer
class quantized_sigmoid(BaseQuantizer):
    """A sigmoid quantized onto bits unsigned bits in [0, 1)."""

    def __init__(self, bits: int = 8, symmetric=False, use_real_sigmoid: bool = False,
                 use_stochastic_rounding: bool = False) -> None:
        super().__init__(use_stochastic_rounding)
        self.bits = as_int("bits", bits, minimum=1)
        self.symmetric = symmetric
        self.use_real_sigmoid = use_real_sigmoid

    def _bounds(self) -> tuple[float, float, float]:
        m = 2.0 ** self.bits
        return m, float(self.symmetric) / m, 1.0 - 1.0 / m

    def quantize(self, x, training: bool | None):
        p = ops.sigmoid(x) if self.use_real_sigmoid else internal_sigmoid(x)
        return rounded_curve(self, p, *self._bounds(), training)

    def output_type(self) -> FixedType:
        return FixedType(self.bits, 0, False, Rounding.RND_CONV, Overflow.SAT)

    def hw_kind(self) -> LookupTable:
        """A table over the input type whose entries lie on ap_ufixed<bits, 0>."""
        return LookupTable(self.output_type(), str(self))

    def hw_type_and_shift(self):
        raise self.unsupported("a sigmoid curve (a lookup table, not one fixed-point rounding of x)",
                               f"hw_kind() describes it as {self.hw_kind()}")

    def max(self) -> float:
        return self._bounds()[2]

    def min(self) -> float:
        return self._bounds()[1]

    def get_config(self) -> dict[str, Any]:
        return {"bits": self.bits, "symmetric": plain(self.symmetric), "use_real_sigmoid": self.use_real_sigmoid,
                "use_stochastic_rounding": self.use_stochastic_rounding}

    def __str__(self) -> str:
        config = self.get_config()
        defaults = {"symmetric": False, "use_real_sigmoid": False, "use_stochastic_rounding": False}
        return format_call("quantized_sigmoid", [self.bits],
                           {k: config[k] for k, d in defaults.items() if config[k] != d})
