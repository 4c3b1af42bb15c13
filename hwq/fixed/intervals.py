"""Exact ranges of fixed-point results: the proofs that sized types never overflow.

An Interval holds every value lo * 2**-frac .. hi * 2**-frac with Python integers, so nothing is
ever rounded or wrapped while bounds are combined. The IR's type inference and its verifier both
ask these functions, and only these, what range a sum, product or dot product can reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwq.fixed.fixed_type import FixedType, fitting_type


@dataclass(frozen=True)
class Interval:
    lo: int
    hi: int
    frac: int

    def __post_init__(self) -> None:
        if self.lo > self.hi:
            raise ValueError(f"empty interval [{self.lo}, {self.hi}]")

    @classmethod
    def of_type(cls, t: FixedType) -> Interval:
        return cls(t.min_mantissa, t.max_mantissa, t.frac)

    def at(self, frac: int) -> Interval:
        """The same values with `frac` fraction bits (frac >= self.frac: exact)."""
        if frac < self.frac:
            raise ValueError(f"cannot hold a range with {self.frac} fraction bits at {frac} exactly")
        s = frac - self.frac
        return Interval(self.lo << s, self.hi << s, frac)

    def __add__(self, other: Interval) -> Interval:
        a, b = _aligned(self, other)
        return Interval(a.lo + b.lo, a.hi + b.hi, a.frac)

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo, self.frac)

    def __sub__(self, other: Interval) -> Interval:
        return self + (-other)

    def __mul__(self, other: Interval) -> Interval:
        corners = [a * b for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Interval(min(corners), max(corners), self.frac + other.frac)

    def hull(self, other: Interval) -> Interval:
        """The smallest interval holding both."""
        a, b = _aligned(self, other)
        return Interval(min(a.lo, b.lo), max(a.hi, b.hi), a.frac)

    def relu(self) -> Interval:
        return Interval(max(self.lo, 0), max(self.hi, 0), self.frac)

    def with_zero(self) -> Interval:
        return Interval(min(self.lo, 0), max(self.hi, 0), self.frac)

    def scaled(self, exponent: int) -> Interval:
        """Times 2**exponent: the mantissas stay, the binary point moves."""
        return Interval(self.lo, self.hi, self.frac - exponent)

    @property
    def magnitude_bits(self) -> int:
        """Every value is below 2**magnitude_bits in magnitude (as a mantissa)."""
        return max(abs(self.lo), abs(self.hi)).bit_length()

    def fitting_type(self) -> FixedType:
        """The narrowest type with this interval's fraction bits that holds it."""
        return fitting_type(self.lo, self.hi, self.frac)

    def fits(self, t: FixedType) -> bool:
        """True when t holds every value of the interval, on a grid at least as fine as the interval's."""
        if t.frac < self.frac:
            return False
        a = self.at(t.frac)
        return t.contains(a.lo, a.hi)

    def __str__(self) -> str:
        return f"[{self.lo}, {self.hi}] x 2^-{self.frac}"


def _aligned(a: Interval, b: Interval) -> tuple[Interval, Interval]:
    frac = max(a.frac, b.frac)
    return a.at(frac), b.at(frac)


def sum_of(intervals: list[Interval]) -> Interval:
    total = intervals[0]
    for i in intervals[1:]:
        total = total + i
    return total


def product_of(intervals: list[Interval]) -> Interval:
    total = intervals[0]
    for i in intervals[1:]:
        total = total * i
    return total


def hull_of(intervals: list[Interval]) -> Interval:
    total = intervals[0]
    for i in intervals[1:]:
        total = total.hull(i)
    return total


@dataclass(frozen=True)
class DotBounds:
    """Ranges of y[j] = bias[j] + sum_i x[i] * kernel[i, j], per output j, at `frac` fraction bits."""

    lo: list[int]
    hi: list[int]
    worst: list[int]  # sum of the largest magnitudes: bounds every partial sum, in any order
    frac: int

    @property
    def interval(self) -> Interval:
        """All outputs together, with 0 (the empty sum) included."""
        return Interval(min(min(self.lo), 0), max(max(self.hi), 0), self.frac)

    @property
    def magnitude_bits(self) -> int:
        return max(self.worst).bit_length()


def _exact_ints(kernel: np.ndarray, shift: int, x_magnitude: int) -> np.ndarray:
    """kernel << shift in int64 when every sum of products by x and any bias stays far below 2**63 (fast: this
    runs at every validation), else as Python ints."""
    k = np.asarray(kernel)
    if k.dtype.kind in "iu" and k.size:
        bits = max(abs(int(k.max())), abs(int(k.min()))).bit_length() + shift + x_magnitude.bit_length() + \
            int(k.shape[0]).bit_length()
        if bits <= 56:  # a bias of up to 2**61 still adds without overflow
            return k.astype(np.int64) << shift
    return k.astype(object) << shift


def dot_bounds(x: Interval, kernel: np.ndarray, kernel_frac: int, bias: np.ndarray | None = None,
               bias_frac: int = 0) -> DotBounds:
    """Bounds of a constant matrix times a vector whose every element lies in x, plus a bias.

    Each term's range holds 0 when x's does, so partial sums taken in any order stay within
    [lo, hi] when the bias comes first; `worst` bounds adder trees of any shape too.
    """
    frac = x.frac + kernel_frac
    if bias is not None:
        frac = max(frac, bias_frac)
    k = _exact_ints(kernel, frac - x.frac - kernel_frac, max(abs(x.lo), abs(x.hi)))
    k = k.reshape(kernel.shape[0], -1)
    at_lo, at_hi = k * x.lo, k * x.hi
    lo = np.minimum(at_lo, at_hi).sum(axis=0)
    hi = np.maximum(at_lo, at_hi).sum(axis=0)
    worst = np.maximum(np.abs(at_lo), np.abs(at_hi)).sum(axis=0)
    if bias is not None:
        b = np.asarray(bias, dtype=object).reshape(-1) << (frac - bias_frac)
        lo, hi, worst = lo + b, hi + b, worst + np.abs(b)
    as_ints = [[int(v) for v in np.atleast_1d(a)] for a in (lo, hi, worst)]
    if k.shape[0] == 0:  # no inputs: the sums are the bias (or zero)
        as_ints = [[0] * k.shape[1]] * 3 if bias is None else [[int(v) for v in b]] * 2 + [[abs(int(v)) for v in b]]
    return DotBounds(*as_ints, frac)
