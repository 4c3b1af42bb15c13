"""Bit-exact kernels, one per IR op, on integer mantissas in a proven-exact carrier."""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType, as_carrier, carrier_for_bits, cast, shift_left
from hwq.fixed.carrier import FLOAT64_EXACT_BITS


def value_carrier(t: FixedType) -> np.dtype:
    """float64 while the value fits its 53 exact bits (BLAS-fast), then int64, then object."""
    return np.dtype(np.float64) if t.width <= FLOAT64_EXACT_BITS else carrier_for_bits(t.width)


def dense(node, x: np.ndarray, x_type: FixedType) -> np.ndarray:
    acc = node.attrs["accumulator"]
    kernel = node.params["kernel"]
    # magnitude_bits bounds every partial sum in any summation order, so BLAS in float64 is exact
    bits = max(node.attrs["magnitude_bits"], acc.width)
    dtype = np.dtype(np.float64) if bits <= FLOAT64_EXACT_BITS else carrier_for_bits(bits)
    k = shift_left(as_carrier(kernel.mantissa, dtype), acc.frac - x_type.frac - kernel.type.frac)
    y = as_carrier(x, dtype) @ k
    if "bias" in node.params:
        b = node.params["bias"]
        y = y + shift_left(as_carrier(b.mantissa, dtype), acc.frac - b.type.frac)
    return as_carrier(y, value_carrier(acc)) if y.dtype != value_carrier(acc) else y


def quantize(node, x: np.ndarray, x_type: FixedType) -> np.ndarray:
    return cast(x, x_type, node.output.type, dtype=value_carrier(node.output.type))


def relu(node, x: np.ndarray, x_type: FixedType) -> np.ndarray:
    return as_carrier(np.maximum(x, 0), value_carrier(node.output.type))


KERNELS = {"dense": dense, "quantize": quantize, "relu": relu}
