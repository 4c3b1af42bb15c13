"""quantizeml's layers without weights: QuantizedReLU, QuantizedGlobalAveragePooling2D, QuantizedAdd,
QuantizedConcatenate -> relu, affine, subtract, pool, add, scale and concatenate nodes, then the output quantizer.

Each works on the integers of its input; a QFloat's float scales travel with the layer's record and reach the
hardware only as its OutputQuantizer's integer multipliers (hwq.frontend.quantizeml.output).
"""

from __future__ import annotations

import numpy as np

from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.quantizeml.integers import recorded_tensor
from hwq.frontend.quantizeml.output import clamped, lower_output, saturated
from hwq.ir import IntTensor, Value
from hwq.ir.build import make_node


def lower_relu(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """max(x, 0), then min(x, ceiling) per channel (output.clamped): exact on the integers."""
    x = inputs[0]
    name, out = ctx.names_for(layer, "_relu")
    y = ctx.add(layer.name, make_node("relu", name, [x], out))
    if layer.max_value is not None:
        y = _clipped(ctx, layer, y, recorded_tensor(layer.max_value_quantizer.qweights.value))
    return lower_output(ctx, layer, y)


def _clipped(ctx: LoweringContext, layer, y: Value, ceiling: IntTensor) -> Value:
    if ceiling.type.frac != y.type.frac:
        raise AssertionError(f"layer {layer.name!r}: its ceiling is not on its inputs' grid")
    c = ceiling.mantissa.reshape(-1)
    return clamped(ctx, layer, y, None, np.broadcast_to(c, (y.shape[-1],)) if c.size == 1 else c, "clip")


def lower_global_average(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """The sum over H x W; its 1 / (H * W) is the OutputQuantizer's integer multiplier."""
    x = inputs[0]
    spatial = x.shape[:-1]
    name, out = ctx.names_for(layer, "_sum")
    attrs = {"mode": "sum", "size": list(spatial), "strides": list(spatial), "padding": [[0, 0]] * len(spatial)}
    total = ctx.add(layer.name, make_node("pool", name, [x], out, attrs))
    total = saturated(ctx, layer, total, layer.buffer_bitwidth, np.zeros(x.shape[-1], dtype=np.int64), "sum")
    shape = [1, 1, x.shape[-1]] if layer.keepdims else [x.shape[-1]]
    name, out = ctx.names_for(layer, "_shape")
    total = ctx.add(layer.name, make_node("reshape", name, [total], out, {"shape": shape}))
    if layer.out_quantizer is None:
        raise UnsupportedLayerError(f"layer {layer.name!r} (QuantizedGlobalAveragePooling2D) has no output quantizer: "
                                    "its 1 / (H * W) would stay a float")
    return lower_output(ctx, layer, total)


def lower_add(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """Both inputs on the finer grid (exact left shifts: the add node aligns them), summed; `average` halves."""
    name, out = ctx.names_for(layer, "_sum")
    y = ctx.add(layer.name, make_node("add", name, inputs, out))
    y = saturated(ctx, layer, y, layer.buffer_bitwidth, np.zeros(y.shape[-1], dtype=np.int64), "sum")
    if getattr(layer, "average", False):
        name, out = ctx.names_for(layer, "_half")
        y = ctx.add(layer.name, make_node("scale", name, [y], out, {"exponent": -1}))
    return lower_output(ctx, layer, y)


def lower_concatenate(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """The inputs joined; inputs on different grids (QuantizeML's per-channel frac_bits) keep their values exactly on
    the finest one (the concatenate op moves each onto the output's grid)."""
    rank = len(inputs[0].shape)
    axis = layer.axis if layer.axis < 0 else layer.axis - 1
    name, out = ctx.names_for(layer)
    return ctx.add(layer.name, make_node("concatenate", name, inputs, out, {"axis": axis % rank}))
