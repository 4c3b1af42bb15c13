"""linear_grid: what quantized_bits and quantized_linear share.

Both round onto the integer levels lo..hi with hi = 2^(bits−k) − 1 and lo = −2^(bits−k) + symmetric
(0 when unsigned), k = keep_negative; both are ap_fixed<bits, integer+k> (ap_ufixed unsigned) with
saturation, symmetric saturation when signed and symmetric; both spell themselves as QKeras does.
"""

from __future__ import annotations

from typing import Any

from hwq.fixed import FixedType, Overflow, Rounding
from hwq.quantizers.base import BaseQuantizer, as_int, changed_settings, format_call


class LinearGrid(BaseQuantizer):
    """A base for quantizers with bits, integer, symmetric, keep_negative, alpha settings."""

    def _init_grid(self, bits, integer, symmetric, keep_negative) -> None:
        """bits (an integer >= 1) and integer (an integer), symmetric and keep_negative as given."""
        self.bits = as_int("bits", bits, minimum=1)
        self.integer = as_int("integer", integer)
        self.symmetric = symmetric
        self.keep_negative = keep_negative

    @property
    def _unsigned_bits(self) -> int:
        """bits without the sign bit."""
        return self.bits - int(bool(self.keep_negative))

    def _level_bounds(self) -> tuple[float, float]:
        """(lo, hi): the lowest and highest integer level."""
        m = 2.0 ** self._unsigned_bits
        lo = -m + float(self.symmetric) if self.keep_negative else 0.0
        return lo, m - 1.0

    def _fixed_type(self) -> FixedType:
        """The grid unscaled: ap_fixed<bits, integer+1> (ap_ufixed<bits, integer>), rounding half to even."""
        signed = bool(self.keep_negative)
        overflow = Overflow.SAT_SYM if signed and self.symmetric else Overflow.SAT
        return FixedType(self.bits, self.integer + int(signed), signed, Rounding.RND_CONV, overflow)

    def _qkeras_call(self, name: str, defaults: dict[str, Any]) -> str:
        """QKeras' spelling: bits, integer, symmetric positionally, then the settings that differ
        (keep_negative, alpha, use_stochastic_rounding, then those of `defaults`)."""
        keywords: dict[str, Any] = {}
        if not self.keep_negative:
            keywords["keep_negative"] = False
        if self.alpha is not None:
            keywords["alpha"] = self.alpha
        if self.use_stochastic_rounding:
            keywords["use_stochastic_rounding"] = int(self.use_stochastic_rounding)
        keywords.update(changed_settings(self.get_config(), defaults))
        return format_call(name, [self.bits, self.integer, int(bool(self.symmetric))], keywords)
