"""rounded_curve: a curve p(x) rounded onto a fixed-point grid, what quantized_tanh and quantized_sigmoid share.

xq = clip(round(m·p)/m, lo, hi), round = half to even; in hardware the curve is a lookup table over the
input type whose entries lie on the quantizer's output_type().
"""

from __future__ import annotations

from keras import ops

from hwq.fixed import FixedType, LookupTable
from hwq.quantizers.base import BaseQuantizer


def rounded_curve(quantizer: BaseQuantizer, p, m: float, lo: float, hi: float, training):
    """(reference, xq) for clip(round(m·p)/m, lo, hi): the gradient is p's where the rounded value is
    inside [lo, hi] (QKeras rounds through, then clips), and xq is exact."""
    rounded = quantizer._round_ste(p * m, training) / m
    return ops.clip(rounded, lo, hi), ops.clip(ops.stop_gradient(rounded), lo, hi)


class RoundedCurve(BaseQuantizer):
    """A base for quantizers of a curve: subclasses give CURVE (its name), _curve, _bounds and output_type."""

    CURVE = "curve"

    def _curve(self, x):
        """p(x), before rounding."""
        raise NotImplementedError

    def _bounds(self) -> tuple[float, float, float]:
        """(m, lo, hi): the rounding step is 1/m, the output is clipped to [lo, hi]."""
        raise NotImplementedError

    def output_type(self) -> FixedType:
        raise NotImplementedError

    def quantize(self, x, training: bool | None):
        return rounded_curve(self, self._curve(x), *self._bounds(), training)

    def hw_kind(self) -> LookupTable:
        """A table over the input type whose entries lie on output_type()."""
        return LookupTable(self.output_type(), str(self))

    def hw_type_and_shift(self):
        raise self.unsupported(f"a {self.CURVE} curve (a lookup table, not one fixed-point rounding of x)",
                               f"hw_kind() describes it as {self.hw_kind()}")

    def max(self) -> float:
        return self._bounds()[2]

    def min(self) -> float:
        return self._bounds()[1]
