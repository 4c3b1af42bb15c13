"""Convolutions -> conv nodes: QConv1D/2D, QDepthwiseConv2D, QSeparableConv1D/2D and the folded QConv2DBatchnorm
and QDepthwiseConv2DBatchnorm (with the constants their inference quantizes); then the layer's activation."""

from __future__ import annotations

import numpy as np

from hwq.frontend.activation import lower_activation
from hwq.frontend.context import LoweringContext
from hwq.frontend.spatial import as_tuple, resolved_padding, to_channels_last, to_layer_format
from hwq.frontend.weights import Weights, quantized_weights
from hwq.ir import IntTensor, Value
from hwq.ir.build import make_node


def lower_conv(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """QConv1D, QConv2D (groups, the optional tap mask) and QConv2DBatchnorm."""
    kernel, bias = _kernel_and_bias(layer, "kernel", layer.kernel_quantizer_internal)
    return _conv_layer(ctx, layer, inputs[0], kernel, bias, getattr(layer, "groups", 1))


def lower_depthwise(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """QDepthwiseConv2D (and its folded form): groups = channels; kernel (..., c, m) becomes (..., 1, c * m),
    output channel c * m + k as Keras orders them."""
    kernel, bias = _kernel_and_bias(layer, "depthwise_kernel", layer.depthwise_quantizer_internal)
    k = kernel.tensor
    grouped = IntTensor(k.mantissa.reshape(*k.shape[:-2], 1, k.shape[-2] * k.shape[-1]), k.type)
    return _conv_layer(ctx, layer, inputs[0], Weights(grouped, kernel.kind), bias, k.shape[-2])


def lower_separable(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """QSeparableConv1D/2D: the depthwise convolution, then a 1x1 pointwise one with the bias; the value between
    them is exact (Keras does not quantize it)."""
    dw = quantized_weights(layer, "depthwise", np.asarray(layer.depthwise_kernel), layer.depthwise_quantizer_internal)
    pw = quantized_weights(layer, "pointwise", np.asarray(layer.pointwise_kernel), layer.pointwise_quantizer_internal)
    k = dw.tensor
    grouped = Weights(IntTensor(k.mantissa.reshape(*k.shape[:-2], 1, k.shape[-2] * k.shape[-1]), k.type), dw.kind)
    x = to_channels_last(ctx, layer, inputs[0])
    mid = _conv_node(ctx, layer, x, grouped, None, k.shape[-2], "_depthwise")
    rank = len(k.shape) - 2
    bias = _bias(layer)
    name, out = ctx.names_for(layer)
    attrs = {"strides": [1] * rank, "padding": [[0, 0]] * rank, "groups": 1, "multiplier": pw.multiplier}
    params = {"kernel": pw.tensor} | ({"bias": bias} if bias is not None else {})
    y = ctx.add(layer.name, make_node("conv", name, [mid], out, attrs, params))
    return lower_activation(ctx, layer, layer.activation, to_layer_format(ctx, layer, y))


def _conv_layer(ctx: LoweringContext, layer, x: Value, kernel: Weights, bias: IntTensor | None, groups: int) -> Value:
    x = to_channels_last(ctx, layer, x)
    y = _conv_node(ctx, layer, x, kernel, bias, groups, "")
    return lower_activation(ctx, layer, layer.activation, to_layer_format(ctx, layer, y))


def _conv_node(ctx: LoweringContext, layer, x: Value, kernel: Weights, bias: IntTensor | None, groups: int,
               suffix: str) -> Value:
    k = kernel.tensor
    rank = len(k.shape) - 2
    size, strides = tuple(k.shape[:rank]), as_tuple(layer.strides, rank)
    dilation = as_tuple(layer.dilation_rate, rank)
    padding = resolved_padding(layer, layer.padding, x.shape[:-1], size, strides, dilation)
    attrs = {"strides": list(strides), "dilation": list(dilation), "padding": padding, "groups": groups,
             "multiplier": kernel.multiplier}
    params = {"kernel": k} | ({"bias": bias} if bias is not None else {})
    name, out = ctx.names_for(layer, suffix)
    return ctx.add(layer.name, make_node("conv", name, [x], out, attrs, params))


def _kernel_and_bias(layer, kernel_attr: str, quantizer) -> tuple[Weights, IntTensor | None]:
    """The kernel and bias inference uses: a folded layer's quantized folded constants, else the layer's own;
    a QConv2D mask removes taps (0 or 1 per tap: the mantissas stay exact)."""
    if hasattr(layer, "get_folded_weights"):  # QConv2DBatchnorm, QDepthwiseConv2DBatchnorm
        kernel_f, bias_f = (np.asarray(w) for w in layer.get_folded_weights())
        kernel = quantized_weights(layer, "kernel", kernel_f, quantizer)
        bias = quantized_weights(layer, "bias", bias_f, layer.bias_quantizer_internal).tensor
    else:
        kernel = quantized_weights(layer, "kernel", np.asarray(getattr(layer, kernel_attr)), quantizer)
        bias = _bias(layer)
    mask = getattr(layer, "_mask", None)
    if mask is not None:
        k = kernel.tensor
        kept = np.broadcast_to(np.asarray(mask) != 0, k.shape)
        kernel = Weights(IntTensor(np.where(kept, k.mantissa, 0), k.type), kernel.kind)
    return kernel, bias


def _bias(layer) -> IntTensor | None:
    if not layer.use_bias:
        return None
    return quantized_weights(layer, "bias", np.asarray(layer.bias), layer.bias_quantizer_internal).tensor
