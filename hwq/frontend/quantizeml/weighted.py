"""quantizeml's weighted layers (QuantizedDense, QuantizedConv2D, PaddedConv2D, QuantizedDepthwiseConv2D,
QuantizedBatchNormalization) -> dense, conv and affine nodes on the integers the layer recorded, then its output.

The kernel is the WeightQuantizer's integers (a QFloat's: its float scales reach the hardware only as the
OutputQuantizer's integer multipliers), the bias the AlignedWeightQuantizer's integers on the accumulator's grid.
"""

from __future__ import annotations

import numpy as np

from hwq.frontend.context import LoweringContext
from hwq.frontend.conv import transposed_padding
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.quantizeml.integers import channel_shifts, int_tensor, recorded_tensor
from hwq.frontend.quantizeml.output import fits, lower_output, saturated
from hwq.frontend.spatial import as_tuple, resolved_padding
from hwq.ir import IntTensor, Value
from hwq.ir.build import make_node

# layers that take per-axis inputs as they are (QuantizeML expands them onto one grid for the others)
KEEPS_CHANNEL_GRIDS = ("QuantizedDepthwiseConv2D", "QuantizedDepthwiseConv2DTranspose")


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


def lower_conv_transpose(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """QuantizedConv2DTranspose (kernel recorded as (KH, KW, channels, filters)) and
    QuantizedDepthwiseConv2DTranspose (recorded as (KH, KW, channels)) as what they compute: the input spread out
    and padded (a pad node), then a stride-1 convolution with the kernel flipped in space."""
    recorded = _recorded(layer, layer.weight_quantizer, "weight_quantizer")
    depthwise = recorded.mantissa.ndim == 3
    x = inputs[0]
    k = recorded.mantissa.reshape(*recorded.shape[:2], 1, -1) if depthwise else recorded.mantissa
    strides = as_tuple(layer.strides, 2)
    dilation = as_tuple(getattr(layer, "dilation_rate", 1), 2)
    output_padding = getattr(layer, "output_padding", None)
    output_padding = as_tuple(output_padding, 2) if output_padding is not None else (None, None)
    pairs = [transposed_padding(layer, n, kk, s, d, op)
             for n, kk, s, d, op in zip(x.shape[:2], k.shape[:2], strides, dilation, output_padding, strict=True)]
    name, out = ctx.names_for(layer, "_spread")
    spread = ctx.add(layer.name, make_node("pad", name, [x], out, {"padding": [*pairs, [0, 0]],
                                                                   "interior": [s - 1 for s in strides] + [0]}))
    kernel = IntTensor(np.ascontiguousarray(k[::-1, ::-1]), recorded.type)
    attrs = {"strides": [1, 1], "dilation": list(dilation), "padding": [[0, 0], [0, 0]],
             "groups": x.shape[-1] if depthwise else 1}
    return _weighted(ctx, layer, spread, "conv", attrs, kernel)


def lower_separable(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """The depthwise convolution (one scale for the whole kernel, so its sums share one grid), then the 1x1 pointwise
    one with the bias; the sums between them stay in the buffer, unquantized."""
    flat = _recorded(layer, layer.dw_weight_quantizer, "dw_weight_quantizer")
    x = inputs[0]
    depthwise = IntTensor(flat.mantissa.reshape(*flat.shape[:2], 1, -1), flat.type)
    name, out = ctx.names_for(layer, "_depthwise")
    attrs = {**_conv_attrs(layer, x, depthwise.shape[:2], x.shape[-1]), "multiplier": "mult"}
    middle = ctx.add(layer.name, make_node("conv", name, [x], out, attrs, {"kernel": depthwise}))
    middle = saturated(ctx, layer, middle, layer.buffer_bitwidth, np.zeros(flat.shape[-1], dtype=np.int64),
                       "depthwise")
    pointwise = _recorded(layer, layer.pw_weight_quantizer, "pw_weight_quantizer")
    one = {"strides": [1, 1], "dilation": [1, 1], "padding": [[0, 0], [0, 0]], "groups": 1}
    return _weighted(ctx, layer, middle, "conv", one, pointwise)


def lower_batchnorm(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """y = a * x + b per channel: an affine node."""
    a = _recorded(layer, layer.a_quantizer, "a_quantizer")
    channels = inputs[0].shape[-1]
    if a.mantissa.size == 1:
        a = IntTensor(np.full(channels, a.mantissa.reshape(-1)[0]), a.type)
    return _node(ctx, layer, inputs[0], "affine", {}, IntTensor(a.mantissa.reshape(-1), a.type),
                 layer.b_quantizer.qweights.value, channel_shifts(layer.a_quantizer.qweights.value, channels))


def _weighted(ctx: LoweringContext, layer, x: Value, op: str, attrs: dict, kernel: IntTensor) -> Value:
    bias = layer.bias_quantizer.qweights.value if layer.use_bias else None
    return _node(ctx, layer, x, op, attrs, kernel, bias, _shifts(layer, kernel))


def _node(ctx: LoweringContext, layer, x: Value, op: str, attrs: dict, kernel: IntTensor, recorded_bias,
          shifts: np.ndarray) -> Value:
    """Products, bias, output quantizer. QuantizeML saturates the products to the buffer, then the sum with the
    bias: one node with the bias when neither can reach the buffer's limits, else each step and its saturation."""
    bias = _on_grid(layer, recorded_tensor(recorded_bias), x.type.frac + kernel.type.frac) \
        if recorded_bias is not None else None
    attrs = {**attrs, "multiplier": "mult"}
    name, out = ctx.names_for(layer, "_products" if bias is not None else "")
    products = make_node(op, name, [x], out, attrs, {"kernel": kernel})
    if bias is not None and fits(products.output, layer.buffer_bitwidth):
        name, out = ctx.names_for(layer)
        whole = make_node(op, name, [x], out, attrs, {"kernel": kernel, "bias": bias})
        if fits(whole.output, layer.buffer_bitwidth):
            return lower_output(ctx, layer, ctx.add(layer.name, whole))
    if x.name in ctx.channel_grids and type(layer).__name__ in KEEPS_CHANNEL_GRIDS:
        # the channels' integers were moved onto one grid by amounts this layer does not know: their limits too
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}) reads channels on different grids (per-axis frac_bits) "
            "and its sums could reach its buffer's limits, where each channel would saturate at its own point; "
            "quantize the layer before it per tensor, or give this layer a wider buffer_bitwidth")
    y = saturated(ctx, layer, ctx.add(layer.name, products), layer.buffer_bitwidth, shifts, "products")
    if bias is not None:
        name, out = ctx.names_for(layer, "_bias")
        ones = int_tensor(np.ones(y.shape[-1], dtype=np.int64), 0)
        y = ctx.add(layer.name, make_node("affine", name, [y], out, {"multiplier": "mult"},
                                          {"kernel": ones, "bias": bias}))
        y = saturated(ctx, layer, y, layer.buffer_bitwidth, shifts, "sum")
    return lower_output(ctx, layer, y)


def _on_grid(layer, bias: IntTensor, frac: int) -> IntTensor:
    """The bias on the accumulator's grid 2**-frac: channels whose inputs and weights lie on coarser grids than the
    finest leave it coarser, and a left shift puts it there exactly."""
    if bias.type.frac > frac:
        raise AssertionError(f"layer {layer.name!r}: its bias lies on 2**-{bias.type.frac}, finer than the "
                             f"accumulator's grid 2**-{frac}")
    return int_tensor(bias.mantissa.astype(object) * (1 << (frac - bias.type.frac)), frac)


def _shifts(layer, kernel: IntTensor) -> np.ndarray:
    """How far each output channel's integers were shifted onto the kernel's one binary point."""
    return channel_shifts(layer.weight_quantizer.qweights.value if hasattr(layer, "weight_quantizer")
                          else layer.pw_weight_quantizer.qweights.value, kernel.shape[-1])


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
