"""Convolutions -> conv nodes: QConv1D/2D, QDepthwiseConv2D, QSeparableConv1D/2D, the transposed QConv2DTranspose,
QDepthwiseConv2DTranspose and QSeparableConv2DTranspose (a pad that spreads the input, then a conv) and the folded
QConv2DBatchnorm and QDepthwiseConv2DBatchnorm (with the constants their inference quantizes); then the layer's
activation."""

from __future__ import annotations

import numpy as np

from hwq.frontend.activation import lower_activation
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
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


def lower_conv_transpose(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """QConv2DTranspose as what it computes: the input spread out (stride - 1 zeros between pixels) and padded
    (a pad node), then a stride-1 convolution with the kernel flipped in space and its channel axes swapped."""
    kernel = quantized_weights(layer, "kernel", np.asarray(layer.kernel), layer.kernel_quantizer_internal)
    y = _spread_conv(ctx, layer, to_channels_last(ctx, layer, inputs[0]), kernel, 1, _bias(layer), "")
    return lower_activation(ctx, layer, layer.activation, to_layer_format(ctx, layer, y))


def lower_depthwise_transpose(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """QDepthwiseConv2DTranspose: the transposed convolution in groups of group_size channels, then its
    depthwise_activation. Its bias weight is left out: the layer never adds it (QKeras does not)."""
    kernel = quantized_weights(layer, "depthwise_kernel", np.asarray(layer.depthwise_kernel),
                               layer.depthwise_kernel_quantizer_internal)
    groups = kernel.tensor.shape[-2] // layer.group_size
    y = _spread_conv(ctx, layer, to_channels_last(ctx, layer, inputs[0]), kernel, groups, None, "")
    return lower_activation(ctx, layer, layer.depthwise_activation, to_layer_format(ctx, layer, y))


def lower_separable_transpose(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """QSeparableConv2DTranspose: each channel's transposed convolution (groups = channels), its
    depthwise_activation, then the 1x1 pointwise convolution with the bias and the pointwise_activation."""
    dw = quantized_weights(layer, "depthwise_kernel", np.asarray(layer.depthwise_kernel),
                           layer.depthwise_kernel_quantizer_internal)
    pw = quantized_weights(layer, "pointwise_kernel", np.asarray(layer.pointwise_kernel),
                           layer.pointwise_kernel_quantizer_internal)
    k = dw.tensor  # (kh, kw, 1, channels): channel c's kernel, read as group c's (kh, kw, 1 output, 1 input)
    grouped = Weights(IntTensor(np.ascontiguousarray(np.swapaxes(k.mantissa, -1, -2)), k.type), dw.kind)
    x = to_channels_last(ctx, layer, inputs[0])
    mid = _spread_conv(ctx, layer, x, grouped, k.shape[-1], None, "_depthwise")
    mid = lower_activation(ctx, layer, layer.depthwise_activation, mid)
    p = pw.tensor  # (1, 1, filters, channels): a 1x1 transposed convolution is a 1x1 one, channel axes swapped
    kernel = IntTensor(np.ascontiguousarray(np.swapaxes(p.mantissa, -1, -2)), p.type)
    bias = _bias(layer)
    attrs = {"strides": [1, 1], "padding": [[0, 0], [0, 0]], "groups": 1, "multiplier": pw.multiplier}
    params = {"kernel": kernel} | ({"bias": bias} if bias is not None else {})
    name, out = ctx.names_for(layer)
    y = ctx.add(layer.name, make_node("conv", name, [mid], out, attrs, params))
    return lower_activation(ctx, layer, layer.pointwise_activation, to_layer_format(ctx, layer, y))


def _spread_conv(ctx: LoweringContext, layer, x: Value, kernel: Weights, groups: int, bias: IntTensor | None,
                 suffix: str) -> Value:
    """A transposed convolution of channels-last x with a kernel in Keras' layout (*taps, output channels, input
    channels per group): the spreading pad node, then the stride-1 conv with the kernel flipped in space."""
    k = kernel.tensor
    rank = len(k.shape) - 2
    strides, dilation = as_tuple(layer.strides, rank), as_tuple(layer.dilation_rate, rank)
    output_padding = as_tuple(layer.output_padding, rank) if layer.output_padding is not None else (None,) * rank
    pairs = [transposed_padding(layer, n, kk, s, d, op)
             for n, kk, s, d, op in zip(x.shape[:-1], k.shape[:rank], strides, dilation, output_padding, strict=True)]
    name, out = ctx.names_for(layer, f"{suffix}_spread")
    spread = ctx.add(layer.name, make_node("pad", name, [x], out, {"padding": [*pairs, [0, 0]],
                                                                   "interior": [s - 1 for s in strides] + [0]}))
    flipped = np.swapaxes(k.mantissa[tuple(slice(None, None, -1) for _ in range(rank))], -1, -2)
    attrs = {"strides": [1] * rank, "dilation": list(dilation), "padding": [[0, 0]] * rank, "groups": groups,
             "multiplier": kernel.multiplier}
    params = {"kernel": IntTensor(np.ascontiguousarray(flipped), k.type)} | ({"bias": bias} if bias is not None else {})
    name, out = ctx.names_for(layer, suffix)
    return ctx.add(layer.name, make_node("conv", name, [spread], out, attrs, params))


def transposed_padding(layer, n: int, k: int, s: int, d: int, output_padding: int | None) -> list[int]:
    """[before, after] around the spread input so that a valid stride-1 convolution gives Keras' output size:
    the forward convolution's padding, mirrored (TensorFlow's conv2d_transpose is that convolution's gradient)."""
    reach = (k - 1) * d + 1
    if layer.padding.lower() == "valid":
        out = (n - 1) * s + reach + (max(reach, s) - reach if output_padding is None else output_padding)
        forward_lo = 0
    else:
        out = n * s if output_padding is None else (n - 1) * s + reach - 2 * (reach // 2) + output_padding
        forward_lo = max((n - 1) * s + reach - out, 0) // 2
    before = reach - 1 - forward_lo
    after = out + reach - 1 - before - ((n - 1) * s + 1)
    if before < 0 or after < 0:
        raise UnsupportedLayerError(f"layer {layer.name!r} ({type(layer).__name__}): its padding and output_padding "
                                    "would crop the spread input; hwq lowers the ones that pad it")
    return [before, after]


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
