"""QActivation and Keras Activation -> quantize/relu nodes."""

from __future__ import annotations

from hwq.frontend.activation import lower_activation
from hwq.frontend.context import LoweringContext


def lower_qactivation(ctx: LoweringContext, layer) -> None:
    lower_activation(ctx, layer, getattr(layer, "quantizer", None) or layer.activation)
