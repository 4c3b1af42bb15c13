"""Quantized Keras weights -> integer mantissas in the quantizer's declared hardware type."""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType, quantize, to_float
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.hw_type import hardware_type
from hwq.ir import IntTensor


def quantized_weights(layer, what: str, weights, quantizer) -> IntTensor:
    """Pass `weights` through `quantizer` as Keras does, then hold them as exact mantissas."""
    if quantizer is None:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}) has no {what}_quantizer: its {what} would be float. "
            f"hwq lowers quantized weights only; give the layer a {what}_quantizer such as quantized_bits(8,0,alpha=1)")
    t = weight_type(layer, what, quantizer)
    values = np.asarray(quantizer(weights), dtype=np.float64)
    mantissa = quantize(values, t)
    if not np.array_equal(to_float(mantissa, t), values):
        raise AssertionError(f"layer {layer.name!r}: {what} quantizer {quantizer} produced values off its "
                             f"declared grid {t}; this is a bug in the quantizer's hw_type()")
    return IntTensor(mantissa, t)


def weight_type(layer, what: str, quantizer) -> FixedType:
    """The grid of a weight quantizer's outputs.

    A power-of-two alpha scales after rounding, so as an activation it is no plain type; but
    weights are constants already on the scaled grid, which is a type with a shifted binary point.
    """
    if hasattr(quantizer, "hw_type_and_shift"):
        try:
            t, shift = quantizer.hw_type_and_shift()
        except ValueError:
            return hardware_type(layer, what, quantizer)  # raises with the layer named
        return FixedType(t.width, t.integer + shift, t.signed, t.rounding, t.overflow)
    return hardware_type(layer, what, quantizer)
