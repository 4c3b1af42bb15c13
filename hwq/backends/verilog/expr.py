"""Small Verilog expressions: sized literals, bus slices, explicit sign/zero extension and alignment.

Every width is explicit, so no expression leans on Verilog's context-dependent sizing or on its
rule that one unsigned operand makes a whole expression unsigned.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwq.fixed.integers import wrap_signed  # noqa: F401 (the Verilog printers' modulo 2^W arithmetic)


def signed_width(*values: int) -> int:
    """Bits of the narrowest two's complement word holding every one of `values`."""
    return max(v.bit_length() + 1 if v >= 0 else (-v - 1).bit_length() + 1 for v in values)


def signed_literal(value: int, width: int) -> str:
    """`width`-bit signed literal of `value`, which must fit: 8'sd5, -8'sd5 (and 8'sh80 for -128)."""
    if not -(1 << (width - 1)) <= value < (1 << (width - 1)):
        raise ValueError(f"{value} does not fit a {width}-bit signed literal")
    if value == -(1 << (width - 1)):  # its magnitude has no positive literal of this width
        return f"{width}'sh{1 << (width - 1):x}"
    return f"-{width}'sd{-value}" if value < 0 else f"{width}'sd{value}"


def unsigned_literal(value: int, width: int) -> str:
    """`width`-bit pattern of value modulo 2**width: 8'd5, 8'hfb for -5."""
    v = value & ((1 << width) - 1)
    return f"{width}'d{v}" if v < 1024 else f"{width}'h{v:x}"


def element(bus: str, index: int | str, width: int) -> str:
    """Element `index` of a bus of `width`-bit elements, element 0 in the low bits."""
    if isinstance(index, int):
        lo = index * width
        return f"{bus}[{lo + width - 1}:{lo}]" if width > 1 else f"{bus}[{lo}]"
    return f"{bus}[{index}*{width} +: {width}]"


@dataclass(frozen=True)
class Bits:
    """`width` bits of the vector `name`, from bit `lo` up; `whole` when they are all of it (then the
    name alone stands for them)."""

    name: str
    lo: int
    width: int
    whole: bool = False

    @classmethod
    def wire(cls, name: str, width: int) -> Bits:
        return cls(name, 0, width, whole=True)

    @classmethod
    def of_element(cls, bus: str, index: int, width: int) -> Bits:
        return cls(bus, index * width, width)

    def top_bit(self) -> str:
        if self.whole and self.width == 1:
            return self.name
        return f"{self.name}[{self.lo + self.width - 1}]"

    def low(self, n: int) -> str:
        """The low n bits (n <= width)."""
        if self.whole and n == self.width:
            return self.name
        return f"{self.name}[{self.lo + n - 1}:{self.lo}]" if n > 1 else f"{self.name}[{self.lo}]"


def _extended_parts(b: Bits, signed: bool, to: int) -> list[str]:
    """The concatenation parts of b as a `to`-bit word, most significant first."""
    if to <= b.width:
        return [b.low(to)]
    fill = b.top_bit() if signed else "1'b0"
    pad = fill if to - b.width == 1 else f"{{{to - b.width}{{{fill}}}}}"
    return [pad, b.low(b.width)]


def _concat(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "{" + ", ".join(parts) + "}"


def extend(b: Bits, signed: bool, to: int) -> str:
    """b as a `to`-bit word: sign bits (signed) or zero bits on top, or only its low `to` bits kept."""
    return _concat(_extended_parts(b, signed, to))


def aligned(b: Bits, signed: bool, shift: int, to: int) -> str | None:
    """(b * 2**shift) modulo 2**to as a `to`-bit word: b extended, then `shift` zero bits appended.

    None when that is 0 for every b (shift >= to): such a term adds a multiple of 2**to, nothing modulo 2**to.
    """
    if shift < 0:
        raise ValueError(f"cannot align by a negative shift ({shift}): the target has fewer fraction bits")
    if shift >= to:
        return None
    return _concat(_extended_parts(b, signed, to - shift) + ([f"{shift}'b0"] if shift else []))


def resize(name: str, width: int, signed: bool, to: int) -> str:
    """The identifier `name` (width bits) as a `to`-bit word: sign- or zero-extended, or its low bits kept."""
    return extend(Bits.wire(name, width), signed, to)
