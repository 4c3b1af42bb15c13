"""QDense and QDenseBatchnorm -> dense node (over the last axis) + activation nodes."""

from __future__ import annotations

import numpy as np

from hwq.frontend.activation import lower_activation
from hwq.frontend.context import LoweringContext
from hwq.frontend.weights import quantized_weights
from hwq.ir import Value
from hwq.ir.build import make_node


def lower_qdense(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """QDense, and QDenseBatchnorm with the folded constants its inference quantizes."""
    folded = hasattr(layer, "get_folded_weights")
    kernel_f, bias_f = (np.asarray(w) for w in layer.get_folded_weights()) if folded else \
        (np.asarray(layer.kernel), np.asarray(layer.bias) if layer.use_bias else None)
    kernel = quantized_weights(layer, "kernel", kernel_f, layer.kernel_quantizer_internal)
    params = {"kernel": kernel.tensor}
    if bias_f is not None:
        params["bias"] = quantized_weights(layer, "bias", bias_f, layer.bias_quantizer_internal).tensor
    name, out = ctx.names_for(layer)
    node = make_node("dense", name, inputs, out, {"multiplier": kernel.multiplier}, params)
    return lower_activation(ctx, layer, layer.activation, ctx.add(layer.name, node))
