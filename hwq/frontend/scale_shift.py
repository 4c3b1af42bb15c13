"""QScaleShift -> an affine node (the one weight and bias repeated over the channels) + its activation.

Keras multiplies in float32: the affine's proven bound on its partial sums must fit float32's 24-bit significand
for the circuit to equal it, as for QBatchNormalization (lower() says so otherwise).
"""

from __future__ import annotations

import numpy as np

from hwq.frontend.activation import lower_activation
from hwq.frontend.batchnorm import FLOAT32_SIGNIFICAND_BITS
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.weights import quantized_weights
from hwq.ir import IntTensor, Value
from hwq.ir.build import make_node


def lower_scale_shift(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    x = inputs[0]
    if len(x.shape) < 1:
        raise UnsupportedLayerError(f"layer {layer.name!r} (QScaleShift) over a scalar: hwq needs a channel axis")
    channels = x.shape[-1]
    weight = quantized_weights(layer, "weight", np.asarray(layer.weight), layer.weight_quantizer_internal)
    params = {"kernel": _repeated(weight.tensor, channels)}
    if layer.use_bias:
        bias = quantized_weights(layer, "bias", np.asarray(layer.bias), layer.bias_quantizer_internal)
        params["bias"] = _repeated(bias.tensor, channels)
    name, out = ctx.names_for(layer)
    node = make_node("affine", name, [x], out, {"multiplier": weight.multiplier}, params)
    if node.attrs["magnitude_bits"] > FLOAT32_SIGNIFICAND_BITS:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} (QScaleShift): Keras computes x * weight + bias in float32, and here the exact "
            f"result needs {node.attrs['magnitude_bits']} bits, more than float32's {FLOAT32_SIGNIFICAND_BITS}: "
            "no fixed-point circuit equals it; quantize its input or its weight more coarsely")
    return lower_activation(ctx, layer, layer.activation, ctx.add(layer.name, node))


def _repeated(t: IntTensor, channels: int) -> IntTensor:
    return IntTensor(np.full(channels, t.mantissa.reshape(-1)[0], dtype=t.mantissa.dtype), t.type)
