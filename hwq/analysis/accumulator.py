"""Accumulator sizing by interval arithmetic on the actual integer weights and the input range."""

from __future__ import annotations

from dataclasses import dataclass

from hwq.fixed import FixedType, Interval, dot_bounds
from hwq.ir.tensor import IntTensor


@dataclass(frozen=True)
class AccumulatorBounds:
    type: FixedType  # narrowest type holding every output of every channel
    lo: int  # smallest reachable result mantissa, over all channels
    hi: int  # largest reachable result mantissa
    magnitude_bits: int  # every partial sum, in any order, is below 2**magnitude_bits in magnitude


def dense_accumulator(x: FixedType, kernel: IntTensor, bias: IntTensor | None) -> AccumulatorBounds:
    """Bounds of bias[j] + sum_i x[i] * kernel[i, j] for every x in x's range (hwq.fixed.intervals.dot_bounds).

    `x` is a FixedType, or anything with its min_mantissa, max_mantissa and frac.
    """
    b = dot_bounds(Interval(x.min_mantissa, x.max_mantissa, x.frac), kernel.mantissa, kernel.type.frac,
                   None if bias is None else bias.mantissa, 0 if bias is None else bias.type.frac)
    i = b.interval
    return AccumulatorBounds(i.fitting_type(), i.lo, i.hi, b.magnitude_bits)
