"""Quantized Keras weights -> integer mantissas on a FixedType that holds them exactly, and their kind."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwq.fixed import FixedType, quantize, to_float
from hwq.fixed.kinds import BinaryType, HwKind, LookupTable, Po2Type, TernaryType, fitting_fixed_type, on_grid
from hwq.frontend.errors import UnsupportedLayerError
from hwq.ir import IntTensor

# what multiplies an input by a weight of each kind (qtools' names)
MULTIPLIER_OF_KIND = {Po2Type: "barrel", BinaryType: "xor", TernaryType: "mux"}
MAX_WEIGHT_BITS = 128  # the widest weight type lower() takes


@dataclass(frozen=True)
class Weights:
    tensor: IntTensor  # exact mantissas
    kind: HwKind  # what the quantizer declares its outputs to be

    @property
    def multiplier(self) -> str:
        if isinstance(self.kind, BinaryType) and self.kind.zero_one:
            return "and"
        return MULTIPLIER_OF_KIND.get(type(self.kind), "mult")


def quantized_weights(layer, what: str, weights, quantizer) -> Weights:
    """Pass `weights` through `quantizer` as Keras does, then hold them as exact mantissas.

    Weights are constants, so any quantizer works: its outputs are held on the narrowest grid its
    kind implies (per-channel scales folded in), and checked to lie on that kind's grid.
    """
    if quantizer is None:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}) has no {what}_quantizer: its {what} would be float. "
            f"hwq lowers quantized weights only; give the layer a {what}_quantizer such as quantized_bits(8,0,alpha=1)")
    if not hasattr(quantizer, "hw_kind"):
        raise UnsupportedLayerError(f"layer {layer.name!r}: {what} quantizer {quantizer!r} is not an hwq quantizer; "
                                    "use one from hwq.quantizers")
    values = np.asarray(quantizer(weights), dtype=np.float64)  # first: data-dependent scales come from this call
    try:
        kind = quantizer.hw_kind()
    except ValueError as err:
        raise UnsupportedLayerError(f"layer {layer.name!r} ({type(layer).__name__}), {what} quantizer: {err}") from err
    if not np.all(on_grid(kind, values)):
        raise AssertionError(f"layer {layer.name!r}: {what} quantizer {quantizer} produced values off its declared "
                             f"kind {kind}; this is a bug in the quantizer's hw_kind()")
    t = _holding_type(kind, values)
    if t.width > MAX_WEIGHT_BITS:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}): its {what} values need {t} ({t.width} bits) to be held "
            f"exactly; hwq lowers weights of at most {MAX_WEIGHT_BITS} bits (their accumulators grow wider still): "
            f"use a quantizer with a narrower range")
    mantissa = quantize(values, t)
    if not np.array_equal(to_float(mantissa, t), values):
        raise AssertionError(f"layer {layer.name!r}: {what} values do not fit {t} exactly ({kind})")
    return Weights(IntTensor(mantissa, t), kind)


def _holding_type(kind: HwKind, values: np.ndarray) -> FixedType:
    if isinstance(kind, FixedType):
        return kind
    if isinstance(kind, Po2Type):  # sized by the exponents used: quantized_po2(12)'s grid spans 2^-2047..2^2047
        return fitting_fixed_type(values)
    if isinstance(kind, LookupTable):  # a curve used on weights: whatever grid its outputs fall on
        return kind.output if isinstance(kind.output, FixedType) else fitting_fixed_type(values)
    return kind.enclosing_type()
