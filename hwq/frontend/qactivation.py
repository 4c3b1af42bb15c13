"""QActivation and Keras Activation -> quantize/relu/table nodes."""

from __future__ import annotations

from hwq.frontend.activation import lower_activation
from hwq.frontend.context import LoweringContext
from hwq.ir import Value


def lower_qactivation(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    return lower_activation(ctx, layer, getattr(layer, "quantizer", None) or layer.activation, inputs[0])
