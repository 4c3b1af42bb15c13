"""Keras' Flatten, Reshape and Permute -> reshape and transpose nodes (no arithmetic)."""

from __future__ import annotations

import math

from hwq.frontend.context import LoweringContext
from hwq.ir import Value
from hwq.ir.build import make_node


def lower_flatten(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    x = inputs[0]
    if getattr(layer, "data_format", "channels_last") == "channels_first" and len(x.shape) > 1:
        # Keras moves the channels last before flattening
        name, out = ctx.names_for(layer, "_channels_last")
        x = ctx.add(layer.name, make_node("transpose", name, [x], out, {"perm": [*range(1, len(x.shape)), 0]}))
    name, out = ctx.names_for(layer)
    return ctx.add(layer.name, make_node("reshape", name, [x], out, {"shape": [x.size]}))


def lower_reshape(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    shape = [int(d) for d in layer.target_shape]
    if -1 in shape:  # Keras' one unknown dimension: whatever the others leave
        known = math.prod(d for d in shape if d != -1)
        shape[shape.index(-1)] = inputs[0].size // known if known else 0
    name, out = ctx.names_for(layer)
    return ctx.add(layer.name, make_node("reshape", name, inputs, out, {"shape": shape}))


def lower_permute(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    name, out = ctx.names_for(layer)
    perm = [int(d) - 1 for d in layer.dims]  # Keras numbers the axes from 1, after the batch
    return ctx.add(layer.name, make_node("transpose", name, inputs, out, {"perm": perm}))
