"""quantized_tanh: tanh (or 2·σ(x) − 1 with the internal sigmoid) rounded to bits signed bits.

xq = clip(round(m·p)/m, −1 + symmetric/m, 1 − 1/m), m = 2^(bits−1), round = half to even: every
output lies on ap_fixed<bits, 1>; the curve is a lookup table over the input type in hardware.
"""

from __future__ import annotations

from typing import Any

from keras import ops

from hwq.fixed import FixedType, LookupTable, Overflow, Rounding
from hwq.quantizers.base import BaseQuantizer, as_int, format_call, plain
from hwq.quantizers.registry import register_quantizer
from hwq.quantizers.sigmoid_functions import internal_sigmoid


def rounded_curve(quantizer: BaseQuantizer, p, m: float, lo: float, hi: float, training):
    """(reference, xq) for clip(round(m·p)/m, lo, hi): the gradient is p's where the rounded value is
    inside [lo, hi] (QKeras rounds through, then clips), and xq is exact."""
    rounded = quantizer._round_ste(p * m, training) / m
    return ops.clip(rounded, lo, hi), ops.clip(ops.stop_gradient(rounded), lo, hi)


@register_quantizer
class quantized_tanh(BaseQuantizer):
    """A tanh quantized onto bits signed bits in [−1, 1)."""

    def __init__(self, bits: int = 8, use_stochastic_rounding: bool = False, symmetric=False,
                 use_real_tanh: bool = False) -> None:
        super().__init__(use_stochastic_rounding)
        self.bits = as_int("bits", bits, minimum=1)
        self.symmetric = symmetric
        self.use_real_tanh = use_real_tanh

    def _bounds(self) -> tuple[float, float, float]:
        m = 2.0 ** (self.bits - 1)
        return m, -1.0 + float(self.symmetric) / m, 1.0 - 1.0 / m

    def quantize(self, x, training: bool | None):
        p = ops.tanh(x) if self.use_real_tanh else 2.0 * internal_sigmoid(x) - 1.0
        return rounded_curve(self, p, *self._bounds(), training)

    def output_type(self) -> FixedType:
        overflow = Overflow.SAT_SYM if self.symmetric else Overflow.SAT
        return FixedType(self.bits, 1, True, Rounding.RND_CONV, overflow)

    def hw_kind(self) -> LookupTable:
        """A table over the input type whose entries lie on ap_fixed<bits, 1>."""
        return LookupTable(self.output_type(), str(self))

    def hw_type_and_shift(self):
        raise self.unsupported("a tanh curve (a lookup table, not one fixed-point rounding of x)",
                               f"hw_kind() describes it as {self.hw_kind()}")

    def max(self) -> float:
        return self._bounds()[2]

    def min(self) -> float:
        return self._bounds()[1]

    def get_config(self) -> dict[str, Any]:
        return {"bits": self.bits, "symmetric": plain(self.symmetric),
                "use_stochastic_rounding": self.use_stochastic_rounding, "use_real_tanh": self.use_real_tanh}

    def __str__(self) -> str:
        config = self.get_config()
        defaults = {"use_stochastic_rounding": False, "symmetric": False, "use_real_tanh": False}
        return format_call("quantized_tanh", [self.bits], {k: config[k] for k, d in defaults.items() if config[k] != d})
