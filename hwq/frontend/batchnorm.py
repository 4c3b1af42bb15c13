"""QBatchNormalization -> an affine node, where its constants make it exact in fixed point.

Keras computes x · inv + offset in float32 (whatever the model's dtype), with per-channel float32
constants. Each constant is an exact binary fraction, so the affine op holds them exactly; the float32
arithmetic equals the exact one when every product and sum fits float32's 24-bit significand: when the
affine's proven bound on its partial sums (magnitude_bits, on the accumulator's grid) is at most 24 bits.
Otherwise no fixed-point circuit equals the layer, and lower() says so.
"""

from __future__ import annotations

import numpy as np

from hwq.fixed import quantize
from hwq.fixed.kinds import fitting_fixed_type
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.ir import IntTensor, Value
from hwq.ir.build import make_node
from hwq.ir.ops.kernel import multiplier_kind

FLOAT32_SIGNIFICAND_BITS = 24


def lower_batchnorm(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    x = inputs[0]
    if layer.axis not in (-1, len(x.shape)):
        raise UnsupportedLayerError(f"layer {layer.name!r} (QBatchNormalization) normalizes axis {layer.axis}; hwq "
                                    "lowers batch normalization over the last (channel) axis")
    inv, offset = (np.asarray(c, dtype=np.float64).reshape(-1) for c in layer.inference_constants())
    if not (np.all(np.isfinite(inv)) and np.all(np.isfinite(offset))):
        raise UnsupportedLayerError(f"layer {layer.name!r} (QBatchNormalization): its inference constants are not "
                                    "finite (a negative moving variance?)")
    if inv.size == 1:
        inv = np.full(x.shape[-1], inv[0])
    kernel, bias = _exact(inv), _exact(np.broadcast_to(offset, inv.shape))
    name, out = ctx.names_for(layer)
    node = make_node("affine", name, [x], out, {"multiplier": multiplier_kind(kernel)},
                     {"kernel": kernel, "bias": bias})
    width = node.attrs["magnitude_bits"]
    if width > FLOAT32_SIGNIFICAND_BITS:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} (QBatchNormalization): Keras computes x * inv + offset in float32, and here the "
            f"exact result needs {width} bits ({node.output.type}), more than float32's {FLOAT32_SIGNIFICAND_BITS}: "
            "no fixed-point circuit equals it. Fold it into the layer before (QConv2DBatchnorm, "
            "QDepthwiseConv2DBatchnorm, QDenseBatchnorm), or quantize its constants more coarsely (an "
            "inverse_quantizer, quantized beta and mean) and its input with a quantizer before it")
    return ctx.add(layer.name, node)


def _exact(values: np.ndarray) -> IntTensor:
    t = fitting_fixed_type(values)
    return IntTensor(quantize(values, t), t)
