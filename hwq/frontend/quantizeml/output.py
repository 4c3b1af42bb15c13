"""A quantizeml layer's OutputQuantizer, and its buffer, as IR nodes: no float in the datapath.

A QFloat result (integers times float scales) is multiplied by the scales the OutputQuantizer quantized to
integers (an affine node: one multiplier per channel, M_c at s_c fraction bits); the product is rounded half up
onto the output's frac_bits and saturated to `bitwidth` bits (a quantize node, RND and SAT). QuantizeML saturates
the accumulator and the scaled product to its buffer; hwq lowers layers whose proven bounds stay inside the buffer,
where that saturation does nothing, and refuses the others, naming the layer.
"""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType, Overflow, Rounding
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.quantizeml.integers import aligned, int_tensor, integers_of
from hwq.ir import Value
from hwq.ir.build import make_node


def check_buffer(layer, value: Value, buffer_value_bits: int, what: str) -> None:
    """Refuse a value whose proven range does not fit the signed buffer (its value bits, sign excluded)."""
    t = value.type
    if t.width > buffer_value_bits + 1:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}): its {what} needs {t.width} bits, more than its "
            f"{buffer_value_bits + 1}-bit buffer, where QuantizeML would saturate; hwq lowers layers whose buffer "
            "never saturates: quantize with fewer weight or activation bits, or a wider buffer_bitwidth")


def lower_output(ctx: LoweringContext, layer, y: Value) -> Value:
    """The layer's OutputQuantizer on y (the integers of its result), or y itself when it has none."""
    oq = getattr(layer, "out_quantizer", None)
    if oq is None:
        return y
    qscales = oq.qscales.value
    if qscales is not None:
        y = _scaled(ctx, layer, y, qscales)
        check_buffer(layer, y, oq.buffer_bitwidth - 1, "product with its quantized scales")
    frac = np.asarray(oq.frac_bits.numpy()).reshape(-1)
    if len(set(frac.tolist())) != 1:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}): its output quantizer gives each channel its own "
            f"frac_bits ({sorted(set(frac.tolist()))}); the IR holds one type per tensor: quantize with "
            "QuantizationParams(per_tensor_activations=True)")
    bits = int(oq.bitwidth)
    target = FixedType(bits, bits - int(frac[0]), bool(oq.signed), Rounding.RND, Overflow.SAT)
    name, out = ctx.names_for(layer, "_output")
    return ctx.add(layer.name, make_node("quantize", name, [y], out, out_type=target))


def _scaled(ctx: LoweringContext, layer, y: Value, qscales) -> Value:
    """y times the quantized scales, per channel (one scale repeated when per-tensor)."""
    values, frac = integers_of(qscales)
    channels = y.shape[-1]
    values = np.broadcast_to(values, (channels,)) if values.ndim == 0 else values
    frac = np.broadcast_to(frac, (channels,)) if frac.ndim == 0 else frac
    if len(values) != channels:
        raise UnsupportedLayerError(f"layer {layer.name!r}: {len(values)} scales for {channels} channels")
    # channels on one binary point: a larger product than each channel's own, so the buffer check stays sound
    kernel, top = aligned(np.asarray(values), np.asarray(frac))
    name, out = ctx.names_for(layer, "_scale")
    node = make_node("affine", name, [y], out, {"multiplier": "mult"}, {"kernel": int_tensor(kernel, top)})
    return ctx.add(layer.name, node)
