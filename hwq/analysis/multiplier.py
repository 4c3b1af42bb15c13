"""Which hardware unit multiplies a weight by an input (qtools' table)."""

from __future__ import annotations

from hwq.fixed import FixedType


def multiplier_kind(weight: FixedType, x: FixedType) -> str:
    """Fixed-point weight times fixed-point input: a full multiplier ('mult').

    Power-of-two, ternary and binary weights (shift, mux, xor) arrive with their quantizers.
    """
    return "mult"
