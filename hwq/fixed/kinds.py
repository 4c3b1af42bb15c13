"""Hardware kinds beyond one FixedType: power-of-two, binary, ternary, per-channel po2 scales, lookup tables.

A kind describes the *set of values* a quantizer can output and how hardware holds them; it never
quantizes anything (the quantizer computes values, the kind describes the grid they lie on).
Every kind can say whether given float values lie on it (`on_grid`), list its values where they
are few, and name the narrowest FixedType that holds every value exactly (`enclosing_type`) — the
fallback a backend may use when it has no cheaper operator for the kind.

Scales are powers of two everywhere: a shift in hardware, never a float.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hwq.fixed.fixed_type import FixedType, bits_for_range, fitting_type
from hwq.fixed.modes import Overflow, Rounding

# -- per-channel power-of-two factors --------------------------------------------------------------

@dataclass(frozen=True)
class Po2Scale:
    """Factors 2**e, one per channel: `exponents` in C order for an array of `shape`.

    `shape` is the keepdims shape of the scale (e.g. (1, 4) for four output channels of a dense
    kernel) and broadcasts against the tensor it scales; () is one factor for the whole tensor.
    """

    exponents: tuple[int, ...] = (0,)
    shape: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        exps = tuple(int(e) for e in self.exponents)
        shape = tuple(int(s) for s in self.shape)
        if not exps:
            raise ValueError("Po2Scale needs at least one exponent")
        if math.prod(shape) != len(exps):
            raise ValueError(f"Po2Scale: {len(exps)} exponents do not fill shape {shape}")
        object.__setattr__(self, "exponents", exps)
        object.__setattr__(self, "shape", shape)

    @classmethod
    def uniform(cls, exponent: int = 0) -> Po2Scale:
        return cls((int(exponent),), ())

    @classmethod
    def from_factors(cls, factors) -> Po2Scale:
        """Read exact powers of two (a number or an array); raises ValueError naming one that is not."""
        a = np.asarray(factors, dtype=np.float64)
        mantissa, exponent = np.frexp(a)
        bad = ~np.isfinite(a) | (mantissa != 0.5)
        if np.any(bad):
            raise ValueError(f"scale {a[bad].ravel()[0]!r} is not a positive power of two")
        return cls(tuple((exponent - 1).ravel().tolist()), a.shape)

    @property
    def is_uniform(self) -> bool:
        return len(set(self.exponents)) == 1

    @property
    def min_exponent(self) -> int:
        return min(self.exponents)

    @property
    def max_exponent(self) -> int:
        return max(self.exponents)

    def exponent_array(self) -> np.ndarray:
        return np.array(self.exponents, dtype=np.int64).reshape(self.shape)

    def factors(self) -> np.ndarray:
        """2**e as float64, in `shape` (exact)."""
        return np.ldexp(1.0, self.exponent_array())

    def to_dict(self) -> dict:
        return {"exponents": list(self.exponents), "shape": list(self.shape)}

    @classmethod
    def from_dict(cls, d: dict) -> Po2Scale:
        return cls(tuple(d["exponents"]), tuple(d["shape"]))


# -- power of two ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Po2Type:
    """Values ±2**e (only +2**e when not signed) for min_exp <= e <= max_exp, and 0 if has_zero.

    In hardware: a sign bit (if signed), a zero flag (if has_zero) and an exponent field; a product
    with such a value is a barrel shift (and a negation).
    """

    min_exp: int
    max_exp: int
    signed: bool = True
    has_zero: bool = False

    def __post_init__(self) -> None:
        if self.min_exp > self.max_exp:
            raise ValueError(f"Po2Type: empty exponent range [{self.min_exp}, {self.max_exp}]")
        object.__setattr__(self, "signed", bool(self.signed))
        object.__setattr__(self, "has_zero", bool(self.has_zero))

    @property
    def exponent_width(self) -> int:
        """Bits of the exponent field (two's complement when the range has negative exponents)."""
        return bits_for_range(self.min_exp, self.max_exp)

    @property
    def width(self) -> int:
        """Bits of one stored value: exponent field, plus a sign bit and a zero flag where needed."""
        return self.exponent_width + int(self.signed) + int(self.has_zero)

    def values(self) -> np.ndarray:
        """Every value, ascending (float64, exact)."""
        mags = np.ldexp(1.0, np.arange(self.min_exp, self.max_exp + 1))
        parts = [-mags[::-1]] if self.signed else []
        parts += [np.zeros(1)] if self.has_zero else []
        return np.concatenate(parts + [mags])

    def enclosing_type(self) -> FixedType:
        frac = max(0, -self.min_exp)
        hi = 1 << (self.max_exp + frac)
        return fitting_type(-hi if self.signed else 0, hi, frac)

    def to_dict(self) -> dict:
        return {"kind": "po2", "min_exp": self.min_exp, "max_exp": self.max_exp, "signed": self.signed,
                "has_zero": self.has_zero}

    def __str__(self) -> str:
        sign = "±" if self.signed else "+"
        zero = ",0" if self.has_zero else ""
        return f"po2<{sign}2^[{self.min_exp}..{self.max_exp}]{zero}>"


# -- binary and ternary ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BinaryType:
    """Two levels, {-1, +1} (or {0, 1} when zero_one), times a power-of-two scale per channel.

    In hardware one bit: a product with it is a negation (xor) or an AND, then a shift.
    """

    zero_one: bool = False
    scale: Po2Scale = field(default_factory=Po2Scale)

    @property
    def levels(self) -> tuple[int, int]:
        return (0, 1) if self.zero_one else (-1, 1)

    @property
    def width(self) -> int:
        return 1

    def values(self) -> np.ndarray:
        """Every value of every channel, ascending."""
        return np.unique(np.multiply.outer(np.array(self.levels, dtype=np.float64), self.scale.factors()))

    def enclosing_type(self) -> FixedType:
        return _levels_type(self.levels, self.scale)

    def to_dict(self) -> dict:
        return {"kind": "binary", "zero_one": self.zero_one, "scale": self.scale.to_dict()}

    def __str__(self) -> str:
        return f"binary<{'{0,1}' if self.zero_one else '{-1,+1}'}{_scale_text(self.scale)}>"


@dataclass(frozen=True)
class TernaryType:
    """{-1, 0, +1} times a power-of-two scale per channel; `threshold` is the dead band of |x| (inputs
    with |x| >= threshold leave 0) when the quantizer uses a fixed one, for activations."""

    scale: Po2Scale = field(default_factory=Po2Scale)
    threshold: float | None = None

    @property
    def levels(self) -> tuple[int, int, int]:
        return (-1, 0, 1)

    @property
    def width(self) -> int:
        return 2

    def values(self) -> np.ndarray:
        return np.unique(np.multiply.outer(np.array(self.levels, dtype=np.float64), self.scale.factors()))

    def enclosing_type(self) -> FixedType:
        return _levels_type(self.levels, self.scale)

    def to_dict(self) -> dict:
        return {"kind": "ternary", "scale": self.scale.to_dict(), "threshold": self.threshold}

    def __str__(self) -> str:
        return f"ternary<{{-1,0,+1}}{_scale_text(self.scale)}>"


# -- an integer grid times per-channel powers of two -----------------------------------------------

@dataclass(frozen=True)
class Po2ScaledType:
    """Mantissas of `base`, times 2**e of their channel: channel c holds FixedType(width, integer + e_c).

    How an input becomes such a value, for activations:
    - prescaled=True: quantize x directly to channel c's type (the binary point moves; one rounding);
    - prescaled=False: quantize x to `base`, then shift the result by e_c (QKeras' power-of-two alpha
      multiplies after rounding).
    Weights are constants, so for them both read the same: mantissa, base type, per-channel shift.
    """

    base: FixedType
    scale: Po2Scale = field(default_factory=Po2Scale)
    prescaled: bool = True

    def channel_type(self, exponent: int) -> FixedType:
        b = self.base
        return FixedType(b.width, b.integer + int(exponent), b.signed, b.rounding, b.overflow)

    def channel_types(self) -> list[FixedType]:
        return [self.channel_type(e) for e in sorted(set(self.scale.exponents))]

    def values(self) -> np.ndarray:
        levels = np.arange(self.base.min_mantissa, self.base.max_mantissa + 1, dtype=np.float64)
        return np.unique(np.multiply.outer(np.ldexp(levels, -self.base.frac), self.scale.factors()))

    def enclosing_type(self) -> FixedType:
        b = self.base
        frac = b.frac - self.scale.min_exponent
        spread = self.scale.max_exponent - self.scale.min_exponent
        return fitting_type(b.min_mantissa << spread, b.max_mantissa << spread, frac, b.rounding, b.overflow)

    def to_dict(self) -> dict:
        return {"kind": "po2_scaled", "base": self.base.to_dict(), "scale": self.scale.to_dict(),
                "prescaled": self.prescaled}

    def __str__(self) -> str:
        return f"{self.base}{_scale_text(self.scale)}{'' if self.prescaled else ' (shift after rounding)'}"


# -- non-linear curves -------------------------------------------------------------------------------

@dataclass(frozen=True)
class LookupTable:
    """A curve hwq implements as a table over every value of the layer's input type.

    The flow fills the table by calling the Python quantizer on each input grid value, so the
    hardware equals the model by construction. `output` is the type every entry lies on, when the
    quantizer fixes one; None means the table's entries decide it (`output_type_for`).
    """

    output: FixedType | Po2Type | BinaryType | TernaryType | None = None
    function: str = ""

    def table_entries(self, input_type: FixedType) -> int:
        return 1 << input_type.width

    def check_input(self, input_type: FixedType, max_input_bits: int = 16) -> None:
        """Refuse tables over inputs wider than max_input_bits, naming the width that would fit."""
        if input_type.width > max_input_bits:
            raise ValueError(
                f"{self.function or 'this activation'} is a lookup table over its input type {input_type}: "
                f"{input_type.width} bits would need 2^{input_type.width} entries; quantize the input to at most "
                f"{max_input_bits} bits (e.g. ap_fixed<{max_input_bits},{input_type.integer}>) first")

    @staticmethod
    def output_type_for(entries) -> FixedType:
        return fitting_fixed_type(entries)

    def to_dict(self) -> dict:
        out = None if self.output is None else kind_to_dict(self.output)
        return {"kind": "lookup_table", "output": out, "function": self.function}

    def __str__(self) -> str:
        return f"table<{self.function or '?'} -> {self.output if self.output is not None else 'fitted'}>"


HwKind = FixedType | Po2Type | BinaryType | TernaryType | Po2ScaledType | LookupTable


# -- helpers -----------------------------------------------------------------------------------------

def fitting_fixed_type(values, rounding: Rounding = Rounding.TRN, overflow: Overflow = Overflow.WRAP) -> FixedType:
    """The narrowest FixedType holding every (finite, float) value exactly."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0 or not np.all(np.isfinite(v)):
        raise ValueError("fitting_fixed_type needs finite values")
    nonzero = v[v != 0]
    frac = 0
    if nonzero.size:
        # the lowest set bit of each value: frexp gives a 53-bit odd-or-even mantissa; strip trailing zeros
        m, e = np.frexp(nonzero)
        ints = np.ldexp(m, 53).astype(np.int64)
        trailing = np.array([(int(i) & -int(i)).bit_length() - 1 for i in ints])
        frac = int(max(0, np.max(53 - e - trailing)))
    mant = [int(x) for x in np.ldexp(v, frac)]
    return fitting_type(min(mant), max(mant), frac, rounding, overflow)


def on_grid(kind: HwKind, values) -> np.ndarray:
    """Elementwise: does each value lie on the kind's grid? (per-channel kinds broadcast their scale)."""
    x = np.asarray(values, dtype=np.float64)
    if isinstance(kind, FixedType):
        return _on_fixed(x, kind)
    if isinstance(kind, LookupTable):
        if kind.output is None:
            return np.isfinite(x)
        return on_grid(kind.output, x)
    if isinstance(kind, Po2Type):
        mant, exp = np.frexp(np.abs(x))
        po2 = (mant == 0.5) & (exp - 1 >= kind.min_exp) & (exp - 1 <= kind.max_exp)
        if not kind.signed:
            po2 &= x > 0
        return po2 | ((x == 0) & kind.has_zero)
    if isinstance(kind, (BinaryType, TernaryType)):
        level = x / kind.scale.factors()  # exact: dividing by a power of two
        return np.isin(level, kind.levels)
    if isinstance(kind, Po2ScaledType):
        return _on_fixed(x / kind.scale.factors(), kind.base)
    raise TypeError(f"not a hardware kind: {kind!r}")


def kind_to_dict(kind: HwKind) -> dict:
    if isinstance(kind, FixedType):
        return {"kind": "fixed", **kind.to_dict()}
    return kind.to_dict()


def kind_from_dict(d: dict[str, Any]) -> HwKind:
    """Inverse of kind_to_dict (a dict without "kind" is a FixedType)."""
    name = d.get("kind", "fixed")
    if name == "fixed":
        return FixedType.from_dict(d)
    if name == "po2":
        return Po2Type(int(d["min_exp"]), int(d["max_exp"]), bool(d["signed"]), bool(d["has_zero"]))
    if name == "binary":
        return BinaryType(bool(d["zero_one"]), Po2Scale.from_dict(d["scale"]))
    if name == "ternary":
        return TernaryType(Po2Scale.from_dict(d["scale"]), d.get("threshold"))
    if name == "po2_scaled":
        return Po2ScaledType(FixedType.from_dict(d["base"]), Po2Scale.from_dict(d["scale"]), bool(d["prescaled"]))
    if name == "lookup_table":
        out = d.get("output")
        return LookupTable(None if out is None else kind_from_dict(out), d.get("function", ""))
    raise ValueError(f"unknown hardware kind {name!r}; known: fixed, po2, binary, ternary, po2_scaled, lookup_table")


def _on_fixed(x: np.ndarray, t: FixedType) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        m = np.ldexp(x, t.frac)
        integral = np.isfinite(m) & (m == np.floor(m))
        return integral & (m >= t.min_mantissa) & (m <= t.max_mantissa)


def _levels_type(levels: tuple[int, ...], scale: Po2Scale) -> FixedType:
    frac = max(0, -scale.min_exponent)
    hi = 1 << (scale.max_exponent + frac)
    return fitting_type(min(levels) * hi, max(levels) * hi, frac)


def _scale_text(scale: Po2Scale) -> str:
    if scale.is_uniform:
        e = scale.exponents[0]
        return "" if e == 0 else f"·2^{e}"
    return f"·2^[{scale.min_exponent}..{scale.max_exponent}] per channel {scale.shape}"
