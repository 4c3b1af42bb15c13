"""Bit-exact kernels, one per IR op, on integer mantissas in a proven-exact carrier.

Arrays are laid out (features, batch): BLAS runs this skinny-matrix shape faster than batch-first.
"""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType, as_carrier, cast, shift_left
from hwq.fixed.carrier import fastest_carrier, floor_shift


def value_carrier(t: FixedType) -> np.dtype:
    """float32, then float64 while the value fits exactly (BLAS-fast), then int64, then object."""
    return fastest_carrier(t.width)


def dense(node, x: np.ndarray, x_type: FixedType) -> np.ndarray:
    acc = node.attrs["accumulator"]
    kernel = node.params["kernel"]
    # magnitude_bits bounds every partial sum in any summation order, so BLAS in a float carrier is exact
    dtype = fastest_carrier(max(node.attrs["magnitude_bits"], acc.width))
    k = shift_left(as_carrier(kernel.mantissa.T, dtype), acc.frac - x_type.frac - kernel.type.frac)
    y = k @ as_carrier(x, dtype)
    if "bias" in node.params:
        b = node.params["bias"]
        y += shift_left(as_carrier(b.mantissa, dtype), acc.frac - b.type.frac)[:, None]
    return as_carrier(y, value_carrier(acc)) if y.dtype != value_carrier(acc) else y


def quantize(node, x: np.ndarray, x_type: FixedType) -> np.ndarray:
    return cast(x, x_type, node.output.type, dtype=value_carrier(node.output.type))


def relu(node, x: np.ndarray, x_type: FixedType) -> np.ndarray:
    return as_carrier(np.maximum(x, 0), value_carrier(node.output.type))


def table(node, x: np.ndarray, x_type: FixedType) -> np.ndarray:
    """y = table[clip(m >> s, lo, hi) - lo]: floor shift and clip stay exact in any carrier."""
    s, lo, hi = (node.attrs[a] for a in ("index_shift", "index_lo", "index_hi"))
    entries = as_carrier(node.params["table"].mantissa, value_carrier(node.output.type))
    q = floor_shift(x, s)[0] if s else x
    return entries[np.clip(q, lo, hi).astype(np.int64) - lo]


KERNELS = {"dense": dense, "quantize": quantize, "relu": relu, "table": table}
