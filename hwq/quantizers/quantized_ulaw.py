"""quantized_ulaw: a sigmoid-normalised input, rounded, then compressed by the mu-law curve.

rp = 2·round(m·σ(x/m_i))/m − 1 (m = 2^(bits−1), m_i = 2^integer, round half to even), then
xq = m_i · clip(sign(rp)·log(1 + u|rp|)/log(1 + u), −1 + symmetric/m, 1 − 1/m). The outputs are
float32 logarithms, not a coarse grid: hardware holds them in a fixed-point type fine enough for
every float32 at least as large as the smallest nonzero output, and tabulates the curve.
"""

from __future__ import annotations

import math
from typing import Any

from keras import ops

from hwq.fixed import FixedType, LookupTable
from hwq.quantizers.base import BaseQuantizer, as_int, format_call, plain
from hwq.quantizers.registry import register_quantizer
from hwq.quantizers.sigmoid_functions import internal_sigmoid

FLOAT32_FRACTION_BITS = 23


@register_quantizer
class quantized_ulaw(BaseQuantizer):
    """mu-law companding of a quantized sigmoid, in [−2^integer, 2^integer)."""

    def __init__(self, bits: int = 8, integer: int = 0, symmetric=0, u: float = 255.0) -> None:
        super().__init__()
        self.bits = as_int("bits", bits, minimum=1)
        self.integer = as_int("integer", integer)
        self.symmetric = symmetric
        if not u > 0:
            raise ValueError(f"quantized_ulaw: u must be positive, got {u!r}")
        self.u = u

    def _bounds(self) -> tuple[float, float, float]:
        m = 2.0 ** (self.bits - 1)
        return m, -1.0 + float(self.symmetric) / m, 1.0 - 1.0 / m

    def quantize(self, x, training: bool | None):
        m, lo, hi = self._bounds()
        m_i = 2.0 ** self.integer
        p = internal_sigmoid(x / m_i) * m
        rp = 2.0 * (self._round_ste(p, False) / m) - 1.0  # QKeras never rounds this one stochastically
        law = ops.sign(rp) * ops.log(1.0 + self.u * ops.abs(rp)) / ops.log(ops.convert_to_tensor(1.0 + self.u))
        out = m_i * ops.clip(law, lo, hi)
        return out, ops.stop_gradient(out)

    def output_type(self) -> FixedType:
        """A signed type holding every float32 in [−2^integer, 2^integer) whose magnitude is at least the
        smallest nonzero output (float64 estimate, halved for margin)."""
        m, lo, hi = self._bounds()
        smallest_rp = 2.0 / m if self.bits > 1 else 1.0
        smallest = min(math.log1p(self.u * smallest_rp) / math.log1p(self.u), hi if hi > 0 else 1.0, abs(lo) or 1.0)
        exponent = math.floor(math.log2(smallest / 2.0)) + self.integer
        frac = FLOAT32_FRACTION_BITS - exponent
        return FixedType(self.integer + 1 + frac, self.integer + 1, True)

    def hw_kind(self) -> LookupTable:
        """A table over the input type; entries on output_type()."""
        return LookupTable(self.output_type(), str(self))

    def hw_type_and_shift(self):
        raise self.unsupported("a mu-law curve (a lookup table)", f"hw_kind() describes it as {self.hw_kind()}")

    def max(self) -> float:
        return max(1.0, 2.0 ** self.integer) if self.bits > 1 else 1.0

    def min(self) -> float:
        return -self.max()

    def get_config(self) -> dict[str, Any]:
        return {"bits": self.bits, "integer": self.integer, "symmetric": plain(self.symmetric), "u": plain(self.u)}

    def __str__(self) -> str:
        keywords = {"u": plain(self.u)} if self.u != 255.0 else {}
        return format_call("quantized_ulaw", [self.bits, self.integer, int(bool(self.symmetric))], keywords)
