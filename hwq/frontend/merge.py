"""Keras' merge layers -> add, subtract, multiply, concatenate (and a scale for Average): exact types."""

from __future__ import annotations

from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.ir import Value
from hwq.ir.build import make_node


def _same_shapes(layer, inputs: list[Value]) -> None:
    if len({v.shape for v in inputs}) > 1:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}) merges shapes {', '.join(str(v.shape) for v in inputs)}; "
            "hwq merges inputs of one shape (no broadcasting): reshape them first")


def _elementwise(op: str):
    def lower(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
        _same_shapes(layer, inputs)
        name, out = ctx.names_for(layer)
        return ctx.add(layer.name, make_node(op, name, inputs, out))

    lower.__name__ = f"lower_{op}"
    return lower


lower_add = _elementwise("add")
lower_subtract = _elementwise("subtract")
lower_multiply = _elementwise("multiply")


def lower_average(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """The sum, then a division by the count: exact (a move of the binary point) for a power of two only."""
    n = len(inputs)
    if n & (n - 1):
        raise UnsupportedLayerError(
            f"layer {layer.name!r} (Average) divides by {n}, which has no exact fixed-point result; hwq lowers "
            "Average of 2, 4, 8, ... inputs (use Add and a quantizer for other counts)")
    _same_shapes(layer, inputs)
    name, out = ctx.names_for(layer, "_sum")
    total = ctx.add(layer.name, make_node("add", name, inputs, out))
    name, out = ctx.names_for(layer)
    return ctx.add(layer.name, make_node("scale", name, [total], out, {"exponent": -(n.bit_length() - 1)}))


def lower_concatenate(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    rank = len(inputs[0].shape) + 1  # Keras counts the batch axis
    axis = layer.axis % rank if -rank <= layer.axis < rank else None
    if not axis:
        raise UnsupportedLayerError(f"layer {layer.name!r} (Concatenate): axis {layer.axis} is the batch axis or "
                                    f"outside a rank-{rank} tensor; hwq concatenates along the other axes")
    name, out = ctx.names_for(layer)
    return ctx.add(layer.name, make_node("concatenate", name, inputs, out, {"axis": axis - 1}))
