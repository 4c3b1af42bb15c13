"""Accumulator sizes of a model's layers for given input ranges (QKeras' analyze_accumulator).

Each layer's weights are quantized to exact integer mantissas (as lowering does) and bounded with
hwq.analysis.dense_accumulator, over the interval bounds (hwq.fixed.intervals.dot_bounds) that size the
IR's accumulators. Kernels are
viewed as (products per output, outputs): for a convolution every output sums kh·kw·ci/groups
products; for a depthwise convolution only kh·kw (QKeras' loop treats a depthwise kernel as a dense
one over all input channels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hwq.analysis import AccumulatorBounds, dense_accumulator
from hwq.fixed.kinds import fitting_fixed_type
from hwq.frontend.weights import quantized_weights
from hwq.ir import IntTensor

ANALYZED = ("QDense", "QConv1D", "QConv2D", "QDepthwiseConv2D")
MODES = ("conservative", "sampled")


@dataclass(frozen=True)
class InputRange:
    """An input interval on a binary grid: the three fields of a FixedType the analysis reads."""

    frac: int
    min_mantissa: int
    max_mantissa: int

    @classmethod
    def of(cls, lo: float, hi: float) -> InputRange:
        lo, hi = float(min(lo, hi)), float(max(lo, hi))
        frac = fitting_fixed_type([lo, hi]).frac  # exact: both ends are binary fractions
        return cls(frac, int(np.ldexp(lo, frac)), int(np.ldexp(hi, frac)))


def accumulator_bounds(in_model, x: dict[str, tuple[float, float]]) -> dict[str, AccumulatorBounds]:
    """{layer name: exact bounds of its pre-activation sums} for the layers named in x, each input in
    the (min, max) range given for it."""
    out = {}
    for layer in in_model.layers:
        if type(layer).__name__ not in ANALYZED or layer.name not in x:
            continue
        kernel, bias = _exact_weights(layer)
        out[layer.name] = dense_accumulator(InputRange.of(*x[layer.name]), kernel, bias)
    return out


def analyze_accumulator(in_model, x: dict[str, tuple[float, float]], verbose: bool = False) -> dict[str, int]:
    """{layer name: integer bits (without the sign) that hold every sum the layer can reach}.

    QKeras computes ceil(log2(largest magnitude)), one bit short when that magnitude is an exact
    power of two (8 needs 4 integer bits); these are the bits of the exact accumulator type.
    """
    sizes = {}
    for name, bounds in accumulator_bounds(in_model, x).items():
        sizes[name] = int(bounds.type.integer - int(bounds.type.signed))
        if verbose:
            scale = 2.0 ** -bounds.type.frac
            print(f"{name}: sums in [{bounds.lo * scale}, {bounds.hi * scale}], accumulator {bounds.type}, "
                  f"{sizes[name]} integer bits")
    return sizes


def analyze_accumulator_from_sample(in_model, x_sample, mode: str = "conservative",
                                    verbose: bool = False) -> dict[str, int]:
    """Accumulator integer bits from a sample of inputs.

    'conservative': each layer's input range is the sample's (min, max) at that layer, and every
    sum reachable within those ranges is covered (analyze_accumulator). 'sampled': only the sums
    the sample actually produces. Any other mode raises ValueError (QKeras builds that error but
    never raises it).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    from hwq.estimate.activations import create_activation_cache, layer_inputs

    cache = create_activation_cache(in_model)
    inputs = layer_inputs(in_model, x_sample, cache.predict(x_sample, verbose=0))
    analyzed = [layer for layer in in_model.layers if type(layer).__name__ in ANALYZED and layer.name in inputs]
    if mode == "conservative":
        ranges = {layer.name: (float(np.min(inputs[layer.name])), float(np.max(inputs[layer.name])))
                  for layer in analyzed}
        return analyze_accumulator(in_model, ranges, verbose)
    sizes = {}
    for layer in analyzed:
        sums = _pre_activation(layer, np.asarray(inputs[layer.name]))
        sizes[layer.name] = _integer_bits(float(np.min(sums)), float(np.max(sums)))
        if verbose:
            print(f"{layer.name}: sampled sums in [{np.min(sums)}, {np.max(sums)}], {sizes[layer.name]} integer bits")
    return sizes


def _exact_weights(layer) -> tuple[IntTensor, IntTensor | None]:
    """(kernel as (products per output, outputs), bias) in exact mantissas."""
    name = type(layer).__name__
    if name == "QDepthwiseConv2D":
        kernel_value, quantizer = np.asarray(layer.depthwise_kernel), layer.depthwise_quantizer_internal
    else:
        kernel_value, quantizer = np.asarray(layer.kernel), layer.kernel_quantizer_internal
    kernel = quantized_weights(layer, "kernel", kernel_value, quantizer).tensor
    if name == "QDepthwiseConv2D":  # (kh, kw, ci, m): output ci·m + j sums kernel[:, :, ci, j]
        kh_kw = int(np.prod(kernel.shape[:-2]))
        matrix = kernel.mantissa.reshape(kh_kw, -1)
    else:
        matrix = kernel.mantissa.reshape(-1, kernel.shape[-1])
    bias = None
    if getattr(layer, "use_bias", False) and layer.bias is not None:
        bias = quantized_weights(layer, "bias", np.asarray(layer.bias), layer.bias_quantizer_internal).tensor
    return IntTensor(matrix, kernel.type), bias


def _pre_activation(layer, x: np.ndarray) -> np.ndarray:
    """The layer's sums before its activation, with its quantized weights (float64 for dense layers)."""
    import keras

    kernel, bias = _exact_weights(layer)
    name = type(layer).__name__
    b = bias.values() if bias is not None else 0.0
    if name == "QDense":
        return x.astype(np.float64) @ kernel.values() + b
    w = kernel.values().reshape(np.shape(layer.depthwise_kernel if name == "QDepthwiseConv2D" else layer.kernel))
    args: dict[str, Any] = dict(strides=layer.strides, padding=layer.padding, data_format=layer.data_format,
                                dilation_rate=layer.dilation_rate)
    if name == "QDepthwiseConv2D":
        y = keras.ops.depthwise_conv(x.astype(np.float32), w.astype(np.float32), **args)
    else:
        y = keras.ops.conv(x.astype(np.float32), w.astype(np.float32), **args)
    y = np.asarray(y, dtype=np.float64)
    if bias is None:
        return y
    return y + (b.reshape(-1, *([1] * (y.ndim - 2))) if layer.data_format == "channels_first" else b)


def _integer_bits(lo: float, hi: float) -> int:
    t = fitting_fixed_type([lo, hi, 0.0])
    return int(t.integer - int(t.signed))
