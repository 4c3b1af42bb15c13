"""Accumulator sizing by interval arithmetic on the actual integer weights and the input range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwq.fixed import FixedType, fitting_type
from hwq.ir.tensor import IntTensor


@dataclass(frozen=True)
class AccumulatorBounds:
    type: FixedType  # narrowest type holding every output of every channel
    lo: int  # smallest reachable result mantissa, over all channels
    hi: int  # largest reachable result mantissa
    magnitude_bits: int  # every partial sum, in any order, is below 2**magnitude_bits in magnitude


def dense_accumulator(x: FixedType, kernel: IntTensor, bias: IntTensor | None) -> AccumulatorBounds:
    """Bounds of bias[j] + sum_i x[i] * kernel[i, j] for every x in x's range.

    Because 0 lies in every fixed type's range, each term's interval contains 0, so partial
    sums taken in any order stay within [lo, hi] when the bias is added first; the magnitude
    bound covers adder trees too.
    """
    frac = x.frac + kernel.type.frac
    if bias is not None:
        frac = max(frac, bias.type.frac)
    k = kernel.mantissa.reshape(kernel.shape[0], -1).astype(object) << (frac - x.frac - kernel.type.frac)
    at_min, at_max = k * x.min_mantissa, k * x.max_mantissa
    lo = np.minimum(at_min, at_max).sum(axis=0)
    hi = np.maximum(at_min, at_max).sum(axis=0)
    worst = np.maximum(np.abs(at_min), np.abs(at_max)).sum(axis=0)
    if bias is not None:
        b = bias.mantissa.reshape(-1).astype(object) << (frac - bias.type.frac)
        lo, hi, worst = lo + b, hi + b, worst + np.abs(b)
    lo_all, hi_all = int(min(lo.min(), 0)), int(max(hi.max(), 0))
    return AccumulatorBounds(fitting_type(lo_all, hi_all, frac), lo_all, hi_all, int(worst.max()).bit_length())
