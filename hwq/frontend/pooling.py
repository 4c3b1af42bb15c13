"""Pooling layers -> pool nodes: max pools, and averages as an exact window sum then an exact scaling.

An average divides the sum by the window's area. That is exact in fixed point when the area is a power
of two (a move of the binary point, the scale op) or when the layer multiplies by its own quantized
constant Q(1/area) (QAveragePooling2D, QGlobalAveragePooling2D with an average_quantizer: an affine op).
Keras' float average over another area has no exact fixed-point result, and neither has a 'same'-padded
average whose border windows Keras divides by their smaller count: both are refused, naming the layer.
"""

from __future__ import annotations

import math

import numpy as np

from hwq.frontend.activation import lower_activation
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.spatial import as_tuple, resolved_padding, to_channels_last, to_layer_format
from hwq.frontend.weights import quantized_weights
from hwq.ir import IntTensor, Value
from hwq.ir.build import make_node


def lower_max_pool(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    x = to_channels_last(ctx, layer, inputs[0])
    return to_layer_format(ctx, layer, _pool(ctx, layer, x, "max", *_window(layer, x)))


def lower_average_pool(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """AveragePooling1D/2D and QAveragePooling2D."""
    x = to_channels_last(ctx, layer, inputs[0])
    size, strides, padding = _window(layer, x)
    if any(lo or hi for lo, hi in padding):
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}): padding='same' here pads {padding}, and Keras divides "
            "each border window by its own count of inputs, which no one fixed-point scaling equals; use "
            "padding='valid' or a pool whose strides tile the input")
    total = _pool(ctx, layer, x, "sum", size, strides, padding)
    y = _divided(ctx, layer, total, math.prod(size))
    return to_layer_format(ctx, layer, lower_activation(ctx, layer, getattr(layer, "activation", None), y))


def lower_global_pool(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """GlobalMax/GlobalAveragePooling1D/2D and QGlobalAveragePooling2D: one window over every spatial position."""
    x = to_channels_last(ctx, layer, inputs[0])
    spatial = x.shape[:-1]
    mode = "max" if "Max" in type(layer).__name__ else "sum"
    y = _pool(ctx, layer, x, mode, spatial, spatial, [[0, 0]] * len(spatial))
    if mode == "sum":
        y = _divided(ctx, layer, y, math.prod(spatial))
        y = lower_activation(ctx, layer, getattr(layer, "activation", None), y)
    shape = [*([1] * len(spatial)), x.shape[-1]] if getattr(layer, "keepdims", False) else [x.shape[-1]]
    name, out = ctx.names_for(layer, "_shape")
    y = ctx.add(layer.name, make_node("reshape", name, [y], out, {"shape": shape}))
    return to_layer_format(ctx, layer, y) if len(shape) > 1 else y


def _window(layer, x: Value) -> tuple[tuple[int, ...], tuple[int, ...], list[list[int]]]:
    rank = len(x.shape) - 1
    size = as_tuple(layer.pool_size, rank)
    strides = as_tuple(layer.strides if layer.strides is not None else layer.pool_size, rank)
    return size, strides, resolved_padding(layer, layer.padding, x.shape[:-1], size, strides, (1,) * rank)


def _pool(ctx: LoweringContext, layer, x: Value, mode: str, size, strides, padding) -> Value:
    name, out = ctx.names_for(layer, "_sum" if mode == "sum" else "")
    attrs = {"mode": mode, "size": list(size), "strides": list(strides), "padding": padding}
    return ctx.add(layer.name, make_node("pool", name, [x], out, attrs))


def _divided(ctx: LoweringContext, layer, total: Value, area: int) -> Value:
    """The window sum over `area`, exactly: times the layer's quantized 1/area, or a power-of-two shift."""
    quantizer = getattr(layer, "average_quantizer_internal", None)
    name, out = ctx.names_for(layer)
    if quantizer is not None:
        inverse = quantized_weights(layer, "average", np.float32(1.0 / area), quantizer)
        t = inverse.tensor
        kernel = IntTensor(np.full(total.shape[-1], int(t.mantissa.reshape(-1)[0])), t.type)
        return ctx.add(layer.name, make_node("affine", name, [total], out, {"multiplier": inverse.multiplier},
                                             {"kernel": kernel}))
    if area & (area - 1):
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}) divides by its area {area}, which has no exact "
            "fixed-point result; use a pool whose area is a power of two, or QAveragePooling2D / "
            "QGlobalAveragePooling2D with an average_quantizer (a multiplication by a quantized 1/area)")
    return ctx.add(layer.name, make_node("scale", name, [total], out, {"exponent": -(area.bit_length() - 1)}))
