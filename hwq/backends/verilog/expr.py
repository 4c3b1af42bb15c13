"""Small Verilog expressions: sized literals, bus slices, explicit sign/zero extension.

Every width is explicit, so no expression leans on Verilog's context-dependent sizing or on its
rule that one unsigned operand makes a whole expression unsigned.
"""

from __future__ import annotations


def signed_width(*values: int) -> int:
    """Bits of the narrowest two's complement word holding every one of `values`."""
    return max(v.bit_length() + 1 if v >= 0 else (-v - 1).bit_length() + 1 for v in values)


def wrap_signed(value: int, width: int) -> int:
    """value modulo 2**width, read back as a two's complement number of `width` bits."""
    v = value & ((1 << width) - 1)
    return v - (1 << width) if v >> (width - 1) else v


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


def resize(name: str, width: int, signed: bool, to: int) -> str:
    """The identifier `name` (width bits) as a `to`-bit word: sign- or zero-extended, or its low bits kept."""
    if to == width:
        return name
    if to < width:
        return f"{name}[{to - 1}:0]" if to > 1 else f"{name}[0]"
    fill = (f"{name}[{width - 1}]" if width > 1 else name) if signed else "1'b0"
    if to - width == 1:
        return f"{{{fill}, {name}}}"
    return f"{{{{{to - width}{{{fill}}}}}, {name}}}"
