"""Between QuantizeML's FixedPoint and hwq.fixed's FixedType, so the project speaks one arithmetic.

A FixedPoint of `value_bits` holds integers in [-2**value_bits, 2**value_bits - 1]: QuantizeML counts the sign
apart, so the matching FixedType is signed and value_bits + 1 bits wide, with frac_bits fraction bits. Its modes
are those of QuantizeML's own conversions into a FixedPoint: a rescale rounds half up (RND), every construction
saturates (SAT).
"""

from __future__ import annotations

import numpy as np

from hwq.fixed.fixed_type import FixedType
from hwq.fixed.modes import Overflow, Rounding
from hwq.quantizeml.tensors.validation import MAX_VALUE_BITS, integer_array


def fixed_type_for(value_bits: int, frac_bits: int) -> FixedType:
    """The hwq.fixed type whose mantissas are the values of a FixedPoint(value_bits, frac_bits)."""
    width = value_bits + 1
    return FixedType(width, width - int(frac_bits), True, Rounding.RND, Overflow.SAT)


def value_bits_of(t: FixedType) -> int:
    """The FixedPoint value bits that hold every mantissa of t: width - 1 when signed, width when unsigned."""
    value_bits = t.width - 1 if t.signed else t.width
    if value_bits > MAX_VALUE_BITS:
        raise ValueError(f"{t} needs {value_bits} value bits; FixedPoint holds at most {MAX_VALUE_BITS}")
    return value_bits


def mantissas_of(mantissas, t: FixedType) -> np.ndarray:
    """Integer mantissas checked to lie in t's range: a value outside is a caller's bug, never silently clipped."""
    m = integer_array(mantissas, "mantissas")
    if m.size and (m.min() < t.min_mantissa or m.max() > t.max_mantissa):
        raise ValueError(f"mantissas outside [{t.min_mantissa}, {t.max_mantissa}], the range of {t}")
    return m
