"""When hwq_round adds one to the floor: one Verilog expression per rounding mode of hwq.fixed.

hwq_round computes q = floor(x / 2^SHIFT) and the dropped bits r, and names these facts:
neg (x < 0), half (r >= 2^(SHIFT-1)), tie (r == 2^(SHIFT-1)), above (r > 2^(SHIFT-1)), r itself
and q. These rules mirror hwq.fixed.rounding._round_up; the tests hold them to hwq.fixed.cast.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwq.fixed import Rounding


@dataclass(frozen=True)
class RoundRule:
    mode: str
    up: str
    meaning: str


ROUND_RULES = (
    RoundRule("TRN", "1'b0", "toward minus infinity: keep the floor"),
    RoundRule("TRN_ZERO", "neg & |r", "toward zero: negative inexact values move up"),
    RoundRule("RND", "half", "nearest, ties toward plus infinity"),
    RoundRule("RND_ZERO", "above | (tie & neg)", "nearest, ties toward zero"),
    RoundRule("RND_INF", "above | (tie & ~neg)", "nearest, ties away from zero"),
    RoundRule("RND_MIN_INF", "above", "nearest, ties toward minus infinity"),
    RoundRule("RND_CONV", "above | (tie & q[0])", "nearest, ties to even"),
)

assert {r.mode for r in ROUND_RULES} == {m.value for m in Rounding}, "a rounding mode has no Verilog rule"
