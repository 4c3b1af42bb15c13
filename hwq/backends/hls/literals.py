"""Exact C++ literals for fixed-point parameter values.

A parameter is an integer mantissa m of a type with `frac` fraction bits: value m * 2**-frac.
The literal names that value exactly as a double (exact for mantissas below 2**53), which
both ap_fixed and ac_fixed convert without rounding when the value is representable.
"""

from __future__ import annotations

import math
import re

from hwq.fixed import FixedType
from hwq.fixed.carrier import FLOAT64_EXACT_BITS

MAX_DECIMAL_CHARS = 24  # longer exact decimals are written as hexadecimal floats


class LiteralError(ValueError):
    """A value that no exact C++ double literal can carry."""


def exact_literal(m: int, frac: int) -> str:
    """`0.375`, `-3`, `0x1p-40`: the value m * 2**-frac, spelled exactly."""
    m = int(m)
    if abs(m) >= 1 << FLOAT64_EXACT_BITS:
        raise LiteralError(f"mantissa {m} needs more than {FLOAT64_EXACT_BITS} bits; "
                           "no double literal holds it exactly")
    if m == 0:
        return "0"
    if frac <= 0:
        v = m << -frac
        return str(v) if abs(v) < 1 << 31 else _float_text(m, frac)
    # m / 2**frac = m * 5**frac / 10**frac: a finite decimal with at most `frac` digits after the point
    digits = str(abs(m) * 5 ** frac).rjust(frac + 1, "0")
    whole, part = digits[:-frac], digits[-frac:].rstrip("0")
    text = ("-" if m < 0 else "") + whole + ("." + part if part else "")
    return text if len(text) <= MAX_DECIMAL_CHARS else _float_text(m, frac)


def _float_text(m: int, frac: int) -> str:
    try:
        value = math.ldexp(m, -frac)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or math.ldexp(value, frac) != m:
        raise LiteralError(f"{m} * 2**{-frac} is outside the exact range of a double")
    return re.sub(r"\.?0*p", "p", value.hex())  # 0x1.8000000000000p-3 -> 0x1.8p-3


def check_literal_type(t: FixedType) -> None:
    """Raise LiteralError when parameters of type t cannot be written as exact double literals."""
    if t.width > FLOAT64_EXACT_BITS:
        raise LiteralError(f"parameters of type {t} are wider than {FLOAT64_EXACT_BITS} bits; "
                           "the HLS backend writes parameters as exact double literals")
    if abs(t.frac) > 1000:
        raise LiteralError(f"parameters of type {t} scale by 2**{-t.frac}, outside the range of a double")
