"""What the frontend's spatial layers share: channels-first values moved to channels last (the IR's layout)
and back, and Keras' padding modes resolved to explicit [before, after] amounts."""

from __future__ import annotations

from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.ir import Value
from hwq.ir.build import make_node


def channels_first(layer) -> bool:
    return getattr(layer, "data_format", "channels_last") == "channels_first"


def to_channels_last(ctx: LoweringContext, layer, x: Value) -> Value:
    """x as the IR lays spatial values out (channels last): a transpose when the layer reads channels first."""
    if not channels_first(layer) or len(x.shape) < 2:
        return x
    name, out = ctx.names_for(layer, "_channels_last")
    return ctx.add(layer.name, make_node("transpose", name, [x], out, {"perm": [*range(1, len(x.shape)), 0]}))


def to_layer_format(ctx: LoweringContext, layer, y: Value) -> Value:
    """y (channels last) back in the layer's own data format."""
    if not channels_first(layer) or len(y.shape) < 2:
        return y
    rank = len(y.shape) - 1
    name, out = ctx.names_for(layer, "_channels_first")
    return ctx.add(layer.name, make_node("transpose", name, [y], out, {"perm": [rank, *range(rank)]}))


def resolved_padding(layer, mode: str, spatial: tuple[int, ...], size: tuple[int, ...], strides: tuple[int, ...],
                     dilation: tuple[int, ...]) -> list[list[int]]:
    """[before, after] per spatial axis, as TensorFlow pads for 'valid', 'same' and 'causal'."""
    mode = mode.lower()
    pads = []
    for n, k, s, d in zip(spatial, size, strides, dilation, strict=True):
        reach = d * (k - 1) + 1
        if mode == "valid":
            pads.append([0, 0])
        elif mode == "same":
            total = max((-(-n // s) - 1) * s + reach - n, 0)
            pads.append([total // 2, total - total // 2])
        elif mode == "causal":
            pads.append([reach - 1, 0])
        else:
            raise UnsupportedLayerError(f"layer {layer.name!r} ({type(layer).__name__}): padding {mode!r}; hwq "
                                        "lowers 'valid', 'same' and 'causal'")
    return pads


def as_tuple(value, rank: int) -> tuple[int, ...]:
    """Keras' int-or-tuple settings as a tuple of `rank` ints."""
    if isinstance(value, int):
        return (value,) * rank
    return tuple(int(v) for v in value)
