"""QDense -> dense node (over the last axis) + activation nodes."""

from __future__ import annotations

import numpy as np

from hwq.frontend.activation import lower_activation
from hwq.frontend.context import LoweringContext
from hwq.frontend.weights import quantized_weights
from hwq.ir import Value
from hwq.ir.build import make_node


def lower_qdense(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    kernel = quantized_weights(layer, "kernel", np.asarray(layer.kernel), layer.kernel_quantizer_internal)
    params = {"kernel": kernel.tensor}
    if layer.use_bias:
        params["bias"] = quantized_weights(layer, "bias", np.asarray(layer.bias), layer.bias_quantizer_internal).tensor
    name, out = ctx.names_for(layer)
    node = make_node("dense", name, inputs, out, {"multiplier": kernel.multiplier}, params)
    return lower_activation(ctx, layer, layer.activation, ctx.add(layer.name, node))
