"""Facts about plain integers that several layers ask: two's complement wrap-around, powers of two."""

from __future__ import annotations

from collections.abc import Iterable


def wrap_signed(value: int, width: int) -> int:
    """value modulo 2**width, read back as a two's complement number of `width` bits."""
    v = value & ((1 << width) - 1)
    return v - (1 << width) if v >> (width - 1) else v


def is_power_of_two(magnitude: int) -> bool:
    """True for 1, 2, 4, ... (and for 0, which needs no multiplier either)."""
    return magnitude & (magnitude - 1) == 0


def all_powers_of_two(values: Iterable[int]) -> bool:
    """Every value 0 or a signed power of two: multiplying by each is a shift and perhaps a negation."""
    return all(is_power_of_two(abs(int(v))) for v in values)
