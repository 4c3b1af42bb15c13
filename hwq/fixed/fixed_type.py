"""FixedType: a binary fixed-point number format in the ap_fixed convention."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from hwq.fixed.modes import Overflow, Rounding, parse_overflow, parse_rounding


@dataclass(frozen=True)
class FixedType:
    """`width` bits in all, `integer` of them left of the binary point (sign included when signed).

    A value is its integer mantissa times 2**-frac, frac = width - integer. `integer` may be
    negative or exceed `width`: the binary point then lies outside the stored bits.
    """

    width: int
    integer: int
    signed: bool = True
    rounding: Rounding = Rounding.TRN
    overflow: Overflow = Overflow.WRAP

    def __post_init__(self) -> None:
        if not isinstance(self.width, int) or self.width < 1:
            raise ValueError(f"FixedType width must be a positive integer, got {self.width!r}")
        if not isinstance(self.integer, int):
            raise ValueError(f"FixedType integer bits must be an integer, got {self.integer!r}")
        object.__setattr__(self, "rounding", parse_rounding(self.rounding))
        object.__setattr__(self, "overflow", parse_overflow(self.overflow))
        object.__setattr__(self, "signed", bool(self.signed))

    @property
    def frac(self) -> int:
        return self.width - self.integer

    @property
    def min_mantissa(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_mantissa(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def overflow_bounds(self) -> tuple[int, int]:
        """The mantissa range the overflow mode brings values into: SAT_SYM makes a signed range symmetric
        ([-max, max]; for a 1-bit signed type that is {0}), every other mode keeps [min, max]."""
        if self.overflow is Overflow.SAT_SYM and self.signed:
            return -self.max_mantissa, self.max_mantissa
        return self.min_mantissa, self.max_mantissa

    @property
    def lsb(self) -> Fraction:
        return Fraction(2) ** -self.frac

    @property
    def min_value(self) -> Fraction:
        return self.min_mantissa * self.lsb

    @property
    def max_value(self) -> Fraction:
        return self.max_mantissa * self.lsb

    def with_modes(self, rounding: Rounding | str | None = None,
                   overflow: Overflow | str | None = None) -> FixedType:
        return replace(self, rounding=self.rounding if rounding is None else rounding,
                       overflow=self.overflow if overflow is None else overflow)

    def contains(self, lo: int, hi: int) -> bool:
        """True when every mantissa in [lo, hi] is representable."""
        return self.min_mantissa <= lo and hi <= self.max_mantissa

    def to_dict(self) -> dict:
        return {"width": self.width, "integer": self.integer, "signed": self.signed,
                "rounding": self.rounding.value, "overflow": self.overflow.value}

    @classmethod
    def from_dict(cls, d: dict) -> FixedType:
        return cls(int(d["width"]), int(d["integer"]), bool(d["signed"]), d["rounding"], d["overflow"])

    def __str__(self) -> str:
        from hwq.fixed.spelling import ap_spelling

        return ap_spelling(self)


def fitting_type(lo: int, hi: int, frac: int, rounding: Rounding = Rounding.TRN,
                 overflow: Overflow = Overflow.WRAP) -> FixedType:
    """The narrowest type with `frac` fraction bits that holds every mantissa in [lo, hi]."""
    if lo > hi:
        raise ValueError(f"empty range [{lo}, {hi}]")
    signed = lo < 0
    width = max(bits_for_range(lo, hi), 1)
    return FixedType(width, width - frac, signed, rounding, overflow)


def bits_for_range(lo: int, hi: int) -> int:
    """Bits needed for [lo, hi]: two's complement if lo < 0, plain binary otherwise."""
    if lo < 0:
        return max((-lo - 1).bit_length(), hi.bit_length() if hi > 0 else 0) + 1
    return max(hi.bit_length(), 1)
