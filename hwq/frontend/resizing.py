"""ZeroPadding, Cropping and UpSampling (1D and 2D) -> pad, crop and upsample nodes (no arithmetic)."""

from __future__ import annotations

from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.spatial import as_tuple, to_channels_last, to_layer_format
from hwq.ir import Value
from hwq.ir.build import make_node


def lower_zero_padding(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    return _moved(ctx, layer, inputs[0], "pad", "padding", _pairs(layer.padding))


def lower_cropping(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    return _moved(ctx, layer, inputs[0], "crop", "cropping", _pairs(layer.cropping))


def lower_upsampling(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    interpolation = getattr(layer, "interpolation", "nearest")
    if interpolation != "nearest":
        raise UnsupportedLayerError(f"layer {layer.name!r} ({type(layer).__name__}): interpolation "
                                    f"{interpolation!r} computes in float; hwq lowers 'nearest'")
    rank = len(inputs[0].shape) - 1
    return _moved(ctx, layer, inputs[0], "upsample", "size", list(as_tuple(layer.size, rank)))


def _pairs(setting) -> list[list[int]]:
    """Keras' padding or cropping setting as [before, after] per spatial axis (1D layers give one pair)."""
    if isinstance(setting, int):
        return [[setting, setting]]
    if all(isinstance(v, int) for v in setting):
        return [[int(setting[0]), int(setting[1])]]
    return [[int(a), int(b)] for a, b in setting]


def _moved(ctx: LoweringContext, layer, x: Value, op: str, key: str, per_axis: list) -> Value:
    """`op` over the spatial axes (channels last inside), the channel axis untouched."""
    x = to_channels_last(ctx, layer, x)
    keep = 1 if op == "upsample" else [0, 0]
    name, out = ctx.names_for(layer)
    y = ctx.add(layer.name, make_node(op, name, [x], out, {key: [*per_axis, keep]}))
    return to_layer_format(ctx, layer, y)
