"""Shared by the ops that combine values: each input's mantissas moved onto the output's grid."""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType
from hwq.fixed.carrier import as_carrier, shift_left
from hwq.ir.op import carrier


def aligned(x: np.ndarray, x_type: FixedType, out: FixedType) -> np.ndarray:
    """x's mantissas at out's fraction bits, in out's carrier: exact, as out holds x's range on a finer grid."""
    return shift_left(as_carrier(x, carrier(out)), out.frac - x_type.frac)
