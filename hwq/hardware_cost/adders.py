"""Bit-level cost of summing shifted words: the model behind the LUT estimate of a dense node.

An addend is a bit interval [lo, hi] of the accumulator word, plus whether it is signed (then its
sign extends to the top bit). Two addends are summed by a carry-chain adder over the bits where
both can be nonzero: on a Xilinx 7-series part one LUT per bit (the carry itself is in CARRY4).
Bits below the higher of the two `lo`s come from one addend alone and are wires.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Addend:
    hi: int  # top bit that may be nonzero (the accumulator's top bit when signed)
    lo: int  # lowest bit that may be nonzero
    signed: bool


def add_cost(a: Addend, b: Addend, width: int) -> tuple[Addend, int]:
    """The sum of a and b taken modulo 2^width, and the adder bits it costs."""
    signed = a.signed or b.signed
    hi = width - 1 if signed else min(width - 1, max(a.hi, b.hi) + 1)
    # an unsigned sum's top bit is the carry out of the chain: no LUT; a signed one needs its top bit
    top = hi if signed else min(width - 1, max(a.hi, b.hi))
    bits = max(0, top - max(a.lo, b.lo) + 1)
    return Addend(hi, min(a.lo, b.lo), signed), bits


def tree_cost(addends: list[Addend], width: int) -> tuple[int, int]:
    """(adder bits, depth) of summing the addends, narrowest first (a Huffman-like tree: each sum is
    formed from the two addends with the lowest top bits, which keeps wide adders few)."""
    heap = [(a.hi, 0, k, a) for k, a in enumerate(addends)]
    heapq.heapify(heap)
    bits, depth, k = 0, 0, len(addends)
    while len(heap) > 1:
        _, da, _, a = heapq.heappop(heap)
        _, db, _, b = heapq.heappop(heap)
        s, cost = add_cost(a, b, width)
        bits += cost
        d = max(da, db) + 1
        depth = max(depth, d)
        heapq.heappush(heap, (s.hi, d, k, s))
        k += 1
    return bits, depth


def constant_product(magnitude: int, x_width: int, x_signed: bool, negative: bool,
                     width: int) -> tuple[list[Addend], int]:
    """x * c for a constant c != 0, as the shifted copies of x its set bits select (a constant-coefficient
    multiplier: no multiplier cells, only adders), summed. Returns the product as one addend (in a list,
    empty for c == 0) and the adder bits spent forming it."""
    if magnitude == 0:
        return [], 0
    shifts = [k for k in range(magnitude.bit_length()) if magnitude >> k & 1]
    parts = [Addend(width - 1 if x_signed else min(width - 1, k + x_width - 1), k, x_signed) for k in shifts]
    bits = 0
    if len(parts) > 1:
        bits, _ = tree_cost(parts, width)
    lo = shifts[0]
    hi = width - 1 if (x_signed or negative) else min(width - 1, x_width + magnitude.bit_length() - 1)
    return [Addend(hi, lo, x_signed or negative)], bits
