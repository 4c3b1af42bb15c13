"""How a FixedType is written in ap_fixed, ac_fixed and Verilog, and read back from text."""

from __future__ import annotations

import re

from hwq.fixed.fixed_type import FixedType
from hwq.fixed.modes import Overflow, Rounding, parse_overflow, parse_rounding

_DEFAULT_MODES = (Rounding.TRN, Overflow.WRAP)


def ap_spelling(t: FixedType) -> str:
    """`ap_fixed<6,1,AP_RND_CONV,AP_SAT>`; default modes are left out as ap_fixed allows."""
    name = "ap_fixed" if t.signed else "ap_ufixed"
    args = [str(t.width), str(t.integer)]
    if (t.rounding, t.overflow) != _DEFAULT_MODES:
        args.append(f"AP_{t.rounding.value}")
        if t.overflow is not Overflow.WRAP:
            args.append(f"AP_{t.overflow.value}")
    return f"{name}<{','.join(args)}>"


def ac_spelling(t: FixedType) -> str:
    """`ac_fixed<6,1,true,AC_RND_CONV,AC_SAT>`."""
    args = [str(t.width), str(t.integer), "true" if t.signed else "false"]
    if (t.rounding, t.overflow) != _DEFAULT_MODES:
        args += [f"AC_{t.rounding.value}", f"AC_{t.overflow.value}"]
    return f"ac_fixed<{','.join(args)}>"


def verilog_decl(t: FixedType, name: str) -> str:
    """`wire signed [5:0] name` with the scale in a trailing comment."""
    sign = "signed " if t.signed else ""
    return f"wire {sign}[{t.width - 1}:0] {name}  // x 2^-{t.frac}"


_MODES = r"(?:,\s*(\w+)\s*)?(?:,\s*(\w+)\s*)?"
_AP = re.compile(r"^\s*ap_(u?)fixed\s*<\s*(-?\d+)\s*,\s*(-?\d+)\s*" + _MODES + r"(?:,\s*(\d+)\s*)?>\s*$")
_AP_INT = re.compile(r"^\s*ap_(u?)int\s*<\s*(\d+)\s*>\s*$")
_AC = re.compile(r"^\s*ac_fixed\s*<\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(true|false)\s*" + _MODES + r">\s*$")


def parse_type(text: str) -> FixedType:
    """Read `ap_fixed<16,6>`, `ap_ufixed<8,0,AP_RND,AP_SAT>`, `ap_int<8>` or `ac_fixed<8,3,true>`."""
    if isinstance(text, FixedType):
        return text
    if m := _AP.match(text):
        unsigned, w, i, q, o, n = m.groups()
        t = FixedType(int(w), int(i), not unsigned, parse_rounding(q or "TRN"), parse_overflow(o or "WRAP"))
        if n and int(n) and t.overflow is Overflow.WRAP:  # AP_WRAP with N > 0 saturates the top N bits
            raise ValueError(f"{text!r}: AP_WRAP with {n} saturation bits is not supported")
        return t
    if m := _AP_INT.match(text):
        unsigned, w = m.groups()
        return FixedType(int(w), int(w), not unsigned)
    if m := _AC.match(text):
        w, i, s, q, o = m.groups()
        return FixedType(int(w), int(i), s == "true", parse_rounding(q or "TRN"), parse_overflow(o or "WRAP"))
    raise ValueError(f"cannot read a fixed-point type from {text!r}; expected e.g. 'ap_fixed<16,6>', "
                     "'ap_ufixed<8,0,AP_RND,AP_SAT>', 'ap_int<8>' or 'ac_fixed<16,6,true>'")
