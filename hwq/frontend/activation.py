"""An activation (a quantizer, 'relu', 'linear') -> IR nodes after the current value."""

from __future__ import annotations

from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.hw_type import hardware_type
from hwq.ir.build import quantize_node, relu_node

SUPPORTED = "a quantizer from hwq.quantizers (quantized_bits, quantized_relu), 'relu' or 'linear'"


def lower_activation(ctx: LoweringContext, layer, activation) -> None:
    if activation is None:
        return
    if hasattr(activation, "hw_type"):
        target = hardware_type(layer, "activation", activation)
        name = ctx.name(f"{layer.name}_q" if ctx.layer_nodes.get(layer.name) else layer.name)
        ctx.add(layer.name, quantize_node(name, ctx.current, target, ctx.name(f"{name}_out")))
        return
    kind = getattr(activation, "__name__", str(activation))
    if kind == "linear":
        return
    if kind == "relu":
        name = ctx.name(f"{layer.name}_relu")
        ctx.add(layer.name, relu_node(name, ctx.current, ctx.name(f"{name}_out")))
        return
    raise UnsupportedLayerError(
        f"layer {layer.name!r} ({type(layer).__name__}): activation {kind!r} has no exact fixed-point "
        f"form; supported: {SUPPORTED}")
