"""quantizeml's weighted layers (QuantizedDense, QuantizedConv2D, PaddedConv2D, QuantizedDepthwiseConv2D,
QuantizedBatchNormalization) -> dense, conv and affine nodes on the integers the layer recorded, then its output.

The kernel is the WeightQuantizer's integers (a QFloat's: its float scales reach the hardware only as the
OutputQuantizer's integer multipliers), the bias the AlignedWeightQuantizer's integers on the accumulator's grid.
"""

from __future__ import annotations

import numpy as np

from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.quantizeml.integers import recorded_tensor
from hwq.frontend.quantizeml.output import check_buffer, lower_output
from hwq.frontend.spatial import as_tuple, resolved_padding
from hwq.ir import IntTensor, Value
from hwq.ir.build import make_node


def lower_dense(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    kernel = _recorded(layer, layer.weight_quantizer, "weight_quantizer")
    return _weighted(ctx, layer, inputs[0], "dense", {}, kernel)


def lower_conv2d(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    kernel = _recorded(layer, layer.weight_quantizer, "weight_quantizer")
    return _weighted(ctx, layer, inputs[0], "conv", _conv_attrs(layer, inputs[0], kernel.shape[:2], 1), kernel)


def lower_depthwise(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """Groups = channels: the kernel recorded as (KH, KW, C * M), output channel c * M + k as Keras orders them."""
    flat = _recorded(layer, layer.weight_quantizer, "weight_quantizer")
    x = inputs[0]
    kernel = IntTensor(flat.mantissa.reshape(*flat.shape[:2], 1, -1), flat.type)
    return _weighted(ctx, layer, x, "conv", _conv_attrs(layer, x, kernel.shape[:2], x.shape[-1]), kernel)


def lower_batchnorm(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """y = a * x + b per channel: an affine node."""
    a = _recorded(layer, layer.a_quantizer, "a_quantizer")
    channels = inputs[0].shape[-1]
    if a.mantissa.size == 1:
        a = IntTensor(np.full(channels, a.mantissa.reshape(-1)[0]), a.type)
    bias = recorded_tensor(layer.b_quantizer.qweights.value)
    return _node(ctx, layer, inputs[0], "affine", {}, IntTensor(a.mantissa.reshape(-1), a.type), bias)


def _weighted(ctx: LoweringContext, layer, x: Value, op: str, attrs: dict, kernel: IntTensor) -> Value:
    bias = recorded_tensor(layer.bias_quantizer.qweights.value) if layer.use_bias else None
    return _node(ctx, layer, x, op, attrs, kernel, bias)


def _node(ctx: LoweringContext, layer, x: Value, op: str, attrs: dict, kernel: IntTensor,
          bias: IntTensor | None) -> Value:
    """The products (checked against the buffer alone, and with the bias), then the output quantizer."""
    if bias is not None and bias.type.frac != x.type.frac + kernel.type.frac:
        raise AssertionError(f"layer {layer.name!r}: its bias lies on 2**-{bias.type.frac}, not on the "
                             f"accumulator's grid 2**-{x.type.frac + kernel.type.frac}")
    name, out = ctx.names_for(layer, "_products")
    products = make_node(op, name, [x], out, {**attrs, "multiplier": "mult"}, {"kernel": kernel})
    check_buffer(layer, products.output, layer.buffer_bitwidth, "accumulator")
    if bias is None:
        return lower_output(ctx, layer, ctx.add(layer.name, products))
    name, out = ctx.names_for(layer)
    node = make_node(op, name, [x], out, {**attrs, "multiplier": "mult"}, {"kernel": kernel, "bias": bias})
    check_buffer(layer, node.output, layer.buffer_bitwidth, "accumulator with its bias")
    return lower_output(ctx, layer, ctx.add(layer.name, node))


def _recorded(layer, quantizer, what: str) -> IntTensor:
    value = quantizer.qweights.value
    if value is None:
        raise UnsupportedLayerError(f"layer {layer.name!r} ({type(layer).__name__}): its {what} recorded nothing; "
                                    "lower a model that has run once (hwq.lower does that itself)")
    return recorded_tensor(value)


def _conv_attrs(layer, x: Value, size: tuple[int, ...], groups: int) -> dict:
    rank = len(size)
    strides, dilation = as_tuple(layer.strides, rank), as_tuple(layer.dilation_rate, rank)
    padding = resolved_padding(layer, layer.padding, x.shape[:-1], tuple(size), strides, dilation)
    quantizer = getattr(layer, "padding_value_quantizer", None)
    if quantizer is not None and quantizer.qweights.value is not None and any(lo or hi for lo, hi in padding):
        values = np.asarray(getattr(quantizer.qweights.value, "fp", quantizer.qweights.value).values.numpy())
        if np.any(values != 0):
            raise UnsupportedLayerError(
                f"layer {layer.name!r} ({type(layer).__name__}) pads with {values.tolist()}; hwq's conv pads with "
                "zeros: use padding_value=0, or padding='valid'")
    return {"strides": list(strides), "dilation": list(dilation), "padding": padding, "groups": groups}
