"""Signed-digit recoding of integer constants: the digits a shift-add graph starts from."""

from __future__ import annotations


def csd(n: int) -> list[tuple[int, int]]:
    """n in canonical signed digits, as (shift, sign) pairs low shift first: n == sum(sign << shift), no two
    nonzero digits adjacent, the fewest nonzero digits of any signed-digit form."""
    digits = []
    shift = 0
    while n:
        if n & 1:
            sign = 2 - (n & 3)  # ...01 -> +1, ...11 -> -1 (then the carry clears the run of ones)
            digits.append((shift, sign))
            n -= sign
        n >>= 1
        shift += 1
    return digits
