"""A quantizeml layer's recorded integers as what the IR holds: IntTensors on one binary point, FixedTypes.

QuantizeML keeps per-channel fractional bits (power-of-two scales per output channel). The IR holds one type per
tensor, so channel c's integers are shifted left by (the largest frac_bits - its own): the same values exactly.
"""

from __future__ import annotations

import numpy as np

from hwq.fixed.fixed_type import fitting_type
from hwq.ir import IntTensor


def integers_of(qtensor) -> tuple[np.ndarray, np.ndarray]:
    """(integer values, frac_bits: a scalar or one per channel of the last axis) of a FixedPoint, or of a QFloat's
    FixedPoint (its float scales are not values: an OutputQuantizer applies them as integer multipliers)."""
    fp = getattr(qtensor, "fp", qtensor)
    return np.asarray(fp.values.numpy(), dtype=np.int64), np.asarray(fp.frac_bits.numpy(), dtype=np.int64)


def aligned(values: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, int]:
    """The values on the largest frac_bits (each channel of the last axis shifted left to it) and that frac."""
    top = int(frac.max()) if frac.size else 0
    shifts = top - frac
    return values.astype(object) * (2 ** shifts.astype(object)), top


def int_tensor(values: np.ndarray, frac: int) -> IntTensor:
    """Integers at `frac` fraction bits, on the narrowest signed type that holds them."""
    v = np.asarray(values, dtype=object)
    hi = int(v.max()) if v.size else 0
    lo = min(int(v.min()) if v.size else 0, -1)  # signed: a kernel multiplies signed values
    return IntTensor(np.asarray(v.astype(np.int64)), fitting_type(lo, hi, frac))


def recorded_tensor(qtensor) -> IntTensor:
    """A recorded FixedPoint (or QFloat's integers) as one IntTensor, channels aligned on one binary point."""
    values, frac = integers_of(qtensor)
    values, top = aligned(values, frac)
    return int_tensor(values, top)


def channel_shifts(qtensor, channels: int) -> np.ndarray:
    """How far aligned() shifts each of `channels` channels left (all 0 for one frac_bits)."""
    _, frac = integers_of(qtensor)
    shifts = int(frac.max()) - frac if frac.size else np.zeros(1, dtype=np.int64)
    return np.broadcast_to(shifts.reshape(-1) if shifts.size > 1 else shifts.reshape(()), (channels,)).copy()
