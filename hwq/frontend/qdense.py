"""QDense -> dense node (+ activation nodes)."""

from __future__ import annotations

import numpy as np

from hwq.frontend.activation import lower_activation
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.weights import quantized_weights
from hwq.ir.build import dense_node


def lower_qdense(ctx: LoweringContext, layer) -> None:
    if len(ctx.current.shape) != 1:
        raise UnsupportedLayerError(f"layer {layer.name!r}: QDense on a {len(ctx.current.shape)}-D input "
                                    f"{ctx.current.shape}; hwq lowers QDense on flat vectors")
    kernel = quantized_weights(layer, "kernel", np.asarray(layer.kernel), layer.kernel_quantizer_internal)
    bias = None
    if layer.use_bias:
        bias = quantized_weights(layer, "bias", np.asarray(layer.bias), layer.bias_quantizer_internal).tensor
    name = ctx.name(layer.name)
    ctx.add(layer.name, dense_node(name, ctx.current, kernel.tensor, bias, ctx.name(f"{name}_out"),
                                   multiplier=kernel.multiplier))
    lower_activation(ctx, layer, layer.activation)
