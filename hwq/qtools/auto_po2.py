"""QKeras' qtools_util helpers for kernels quantized with quantized_bits(alpha="auto_po2"): such a kernel is an
integer grid times a power of two per output channel, so one multiplier type must hold the products of every
channel, from the smallest scale's fraction bits to the largest scale's integer bits.

Given hwq's immutable types they return the adjusted multiplier or accumulator (dataclasses.replace is how one
changes an hwq qtools type); given QKeras' mutable multiplier objects (hwq.qtools.multiplier_impl), the
multiplier is widened in place, as QKeras does, and returned too.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import keras
import numpy as np

from hwq.qtools.operators import Accumulator, AccumulatorFactory, IAdder, Sum
from hwq.qtools.qtypes import Multiplier, qtype_of

DEPTHWISE_CLASSES = ("QDepthwiseConv2D", "DepthwiseConv2D")


def get_scale_from_quantized_bits_with_auto_po2(quantizer: Any) -> np.ndarray | None:
    """The per-channel scale an auto_po2 quantizer stored at its last call, as an array; None before any call."""
    scale = getattr(quantizer, "scale", None)
    if hasattr(scale, "numpy"):
        return np.asarray(scale.numpy())
    if isinstance(scale, np.ndarray):
        return scale
    return None


def adjust_multiplier_for_auto_po2(multiplier: Multiplier, qkeras_weight_quantizer: Any) -> Multiplier:
    """The multiplier widened for an auto_po2 kernel: scales 2^min_shift .. 2^max_shift over the channels add
    max_shift integer bits and -min_shift fraction bits. Unchanged (with a warning) before the quantizer's first
    call, or for an auto_po2 quantizer that is not quantized_bits."""
    from hwq.qtools.multiplier_impl import IMultiplier

    if isinstance(multiplier, IMultiplier):
        widened = adjust_multiplier_for_auto_po2(multiplier.to_record(), qkeras_weight_quantizer)
        multiplier.output._take(widened.output, name=False)
        return multiplier
    alpha = getattr(qkeras_weight_quantizer, "alpha", None)
    if not (isinstance(alpha, str) and alpha == "auto_po2"):
        return multiplier
    if "quantized_bits" not in str(qkeras_weight_quantizer):
        warnings.warn(f"auto_po2 on {type(qkeras_weight_quantizer).__name__}: qtools only widens multipliers for "
                      "quantized_bits, so this one keeps its width", stacklevel=2)
        return multiplier
    scale = get_scale_from_quantized_bits_with_auto_po2(qkeras_weight_quantizer)
    if scale is None:
        warnings.warn(f"{qkeras_weight_quantizer} has alpha='auto_po2' but was never called, so its scales are "
                      "unknown: the multiplier keeps its width", stacklevel=2)
        return multiplier
    exponents = np.log2(np.squeeze(scale).astype(np.float64))
    # QKeras truncates the exponents towards zero; the scales are powers of two, so they are integers already
    max_shift, min_shift = int(np.max(exponents)), int(np.min(exponents))
    out = multiplier.output
    output = replace(out, bits=out.bits + max_shift - min_shift, int_bits=out.int_bits + max_shift)
    return replace(multiplier, output=output)


def adjust_accumulator_for_auto_po2(layer: keras.layers.Layer, multiplier: Multiplier, qkeras_weight_quantizer: Any,
                                    bias_quantizer: Any) -> Accumulator | Sum:
    """The layer's accumulator from the auto_po2-widened multiplier: the sum of its products (a depthwise layer
    sums kernel height × width of them, and must have depth_multiplier 1), plus the bias through an adder when
    the layer has one."""
    fused = adjust_multiplier_for_auto_po2(multiplier, qkeras_weight_quantizer)
    kernel_shape = tuple(np.shape(layer.get_weights()[0]))
    if type(layer).__name__ in DEPTHWISE_CLASSES:
        if kernel_shape[-1] != 1:
            raise ValueError(f"layer {layer.name!r}: depth_multiplier must be 1 for the auto_po2 accumulator, "
                             f"got {kernel_shape[-1]}")
        kernel_shape = kernel_shape[:-2] + (1, 1)
    products = AccumulatorFactory().make_accumulator(kernel_shape, fused, use_bias=False)
    if not getattr(layer, "use_bias", False):
        return products
    return IAdder().make_quantizer(products.output, qtype_of(bias_quantizer))


__all__ = ["get_scale_from_quantized_bits_with_auto_po2", "adjust_multiplier_for_auto_po2",
           "adjust_accumulator_for_auto_po2"]
