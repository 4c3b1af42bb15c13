"""Rounding and overflow modes, with exactly the meanings of ap_fixed's AP_* enums."""

from __future__ import annotations

from enum import Enum, StrEnum


class Rounding(StrEnum):
    """What happens to bits dropped below the least significant bit."""

    TRN = "TRN"  # toward minus infinity (drop the bits)
    TRN_ZERO = "TRN_ZERO"  # toward zero
    RND = "RND"  # nearest, ties toward plus infinity
    RND_ZERO = "RND_ZERO"  # nearest, ties toward zero
    RND_INF = "RND_INF"  # nearest, ties away from zero
    RND_MIN_INF = "RND_MIN_INF"  # nearest, ties toward minus infinity
    RND_CONV = "RND_CONV"  # nearest, ties to even (convergent)


class Overflow(StrEnum):
    """What happens to a value outside the representable range."""

    WRAP = "WRAP"  # two's complement wrap-around
    SAT = "SAT"  # clamp to the nearest end of the range
    SAT_ZERO = "SAT_ZERO"  # replace by zero
    SAT_SYM = "SAT_SYM"  # clamp to a range symmetric around zero (signed types)


def parse_rounding(name: str | Rounding) -> Rounding:
    return _parse(Rounding, name, ("AP_", "AC_"))


def parse_overflow(name: str | Overflow) -> Overflow:
    return _parse(Overflow, name, ("AP_", "AC_"))


def _parse(enum: type[Enum], name, prefixes: tuple[str, ...]):
    if isinstance(name, enum):
        return name
    text = str(name).strip().upper()
    for prefix in prefixes:
        if text.startswith(prefix):
            text = text[len(prefix):]
    try:
        return enum(text)
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise ValueError(f"unknown {enum.__name__.lower()} mode {name!r}; known: {known}") from None
