"""Models of hwq.quantizeml layers (QuantizeML's post-training quantization) -> the IR, on the exact integers.

lower() records every quantizer's integers with one call of the model (QuantizeML's recording mode), then each
layer lowers from what it recorded: weights and biases as integer constants, float scales only ever as the
integer multipliers an OutputQuantizer quantized them to. The model's float input becomes FixedPoint(trunc(x),
8, 0) in QuantizeML; here the input port's type does the same (9 signed bits, toward zero, saturating).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hwq.fixed import FixedType, Overflow, Rounding
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.pooling import lower_max_pool
from hwq.frontend.quantizeml.elementwise import lower_add, lower_concatenate, lower_global_average, lower_relu
from hwq.frontend.quantizeml.weighted import (
    lower_batchnorm,
    lower_conv2d,
    lower_conv_transpose,
    lower_dense,
    lower_depthwise,
    lower_separable,
)
from hwq.frontend.reshaping import lower_flatten, lower_permute, lower_reshape
from hwq.ir import Value

# FixedPoint(trunc(x), 8, 0): 8 value bits and a sign, truncated toward zero, saturated
MODEL_INPUT_TYPE = FixedType(9, 9, True, Rounding.TRN_ZERO, Overflow.SAT)


def _passes(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """QuantizedDropout, QuantizedRescaling (its float scale travels on to the next OutputQuantizer) and the
    Dequantizer (simulate returns the values as floats): the integers pass unchanged."""
    return inputs[0]


# layers that take no float scales (QuantizeML raises on a QFloat there; the Dequantizer would return them)
REFUSES_SCALED = ("QuantizedAdd", "QuantizedConcatenate", "Dequantizer")


def _tracking(lower_layer: Callable) -> Callable:
    """lower_layer, keeping ctx.float_scaled: a layer's result carries float scales when the layer makes them (its
    weights or its 1/(H*W) are a QFloat) or its input has them, until an OutputQuantizer turns them into integers."""

    def lower(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
        scaled_in = any(v.name in ctx.float_scaled for v in inputs)
        if scaled_in and type(layer).__name__ in REFUSES_SCALED:
            raise UnsupportedLayerError(
                f"layer {layer.name!r} ({type(layer).__name__}) takes a value that still carries float scales (a "
                "QFloat): give the layer before it an output quantizer, whose integer multipliers replace them")
        out = lower_layer(ctx, layer, inputs)
        oq = getattr(layer, "out_quantizer", None)
        if oq is None and (scaled_in or _makes_float_scales(layer)):
            ctx.float_scaled.add(out.name)
        if _grids_differ(ctx, layer, oq, inputs):
            ctx.channel_grids.add(out.name)
        return out

    return lower


def _grids_differ(ctx: LoweringContext, layer, oq, inputs: list[Value]) -> bool:
    """Whether the layer's result holds its channels on different grids: its output quantizer gives them their own
    frac_bits, or (no quantizer) an input did, or it concatenates inputs on different grids."""
    if oq is not None:
        return len(set(np.asarray(oq.frac_bits.numpy()).reshape(-1).tolist())) > 1
    concatenated = type(layer).__name__ == "QuantizedConcatenate" and len({v.type.frac for v in inputs}) > 1
    return concatenated or any(v.name in ctx.channel_grids for v in inputs)


def _makes_float_scales(layer) -> bool:
    quantizers = [getattr(layer, name, None) for name in ("weight_quantizer", "a_quantizer", "dw_weight_quantizer",
                                                           "pw_weight_quantizer")]
    float_weights = any(q is not None and not getattr(q, "fp_quantizer", False) for q in quantizers)
    return float_weights or type(layer).__name__ in ("QuantizedGlobalAveragePooling2D", "QuantizedRescaling")


_LOWERINGS: dict[str, Callable[[LoweringContext, object, list[Value]], Value]] = {
    "QuantizedDense": lower_dense,
    "QuantizedConv2D": lower_conv2d,
    "QuantizedDepthwiseConv2D": lower_depthwise,
    "QuantizedSeparableConv2D": lower_separable,
    "QuantizedConv2DTranspose": lower_conv_transpose,
    "QuantizedDepthwiseConv2DTranspose": lower_conv_transpose,
    "QuantizedRescaling": _passes,
    "QuantizedBatchNormalization": lower_batchnorm,
    "QuantizedReLU": lower_relu,
    "QuantizedMaxPool2D": lower_max_pool,
    "QuantizedGlobalAveragePooling2D": lower_global_average,
    "QuantizedAdd": lower_add,
    "QuantizedConcatenate": lower_concatenate,
    "QuantizedFlatten": lower_flatten,
    "QuantizedReshape": lower_reshape,
    "QuantizedPermute": lower_permute,
    "QuantizedDropout": _passes,
    "Dequantizer": _passes,
}
LOWERINGS = {name: _tracking(f) for name, f in _LOWERINGS.items()}


def is_quantizeml(layer) -> bool:
    return type(layer).__module__.startswith("hwq.quantizeml.")


def record(model) -> None:
    """One call of the model on zeros in recording mode: every quantizer keeps the integers it used."""
    from hwq.quantizeml.layers import recording

    shapes = [tuple(int(d) for d in t.shape[1:]) for t in model.inputs]
    zeros = [np.zeros((1, *s), dtype=np.float32) for s in shapes]
    with recording(True):
        model(zeros[0] if len(zeros) == 1 else zeros)


__all__ = ["LOWERINGS", "MODEL_INPUT_TYPE", "is_quantizeml", "record"]
