"""A quantizeml layer's OutputQuantizer, and its buffer, as IR nodes: no float in the datapath.

A QFloat result (integers times float scales) is multiplied by the scales the OutputQuantizer quantized to
integers (an affine node: one multiplier per channel, M_c at s_c fraction bits); the product is rounded half up
onto the output's frac_bits and saturated to `bitwidth` bits (a quantize node, RND and SAT). QuantizeML also
saturates the accumulator and the scaled product to its buffer: nothing to print where the proven bounds stay
inside it; where they could reach its limits, the same saturation (one saturating quantize, or a clamp per channel
when the channels' integers were shifted onto one binary point by different amounts).
"""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType, Overflow, Rounding
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.quantizeml.integers import aligned, channel_shifts, int_tensor, integers_of
from hwq.ir import Value
from hwq.ir.build import make_node


def fits(value: Value, buffer_value_bits: int) -> bool:
    """Whether the value's proven range lies in the signed buffer (value bits, sign excluded): no saturation."""
    return value.type.width <= buffer_value_bits + 1


def saturated(ctx: LoweringContext, layer, y: Value, buffer_value_bits: int, shifts: np.ndarray, what: str) -> Value:
    """y's integers saturated to the signed buffer as QuantizeML saturates them, channel c's integers having been
    shifted left by shifts[c] to share one binary point (its limits shift with it). Nothing when y's proven range
    fits; one saturating quantize when every channel shares its limits; else a clamp per channel."""
    if fits(y, buffer_value_bits) or len(y.shape) == 0:
        return y
    top, bottom = (1 << buffer_value_bits) - 1, -(1 << buffer_value_bits)
    if len(set(shifts.tolist())) == 1:
        s = int(shifts[0])  # integers multiple of 2**s: the buffer's grid is 2**s of theirs
        t = FixedType(buffer_value_bits + 1, buffer_value_bits + 1 - (y.type.frac - s), True, Rounding.TRN,
                      Overflow.SAT)
        name, out = ctx.names_for(layer, f"_{what}_buffer")
        return ctx.add(layer.name, make_node("quantize", name, [y], out, out_type=t))
    his = np.array([top << int(s) for s in shifts], dtype=object)
    los = np.array([bottom << int(s) for s in shifts], dtype=object)
    return clamped(ctx, layer, y, los, his, what)


def clamped(ctx: LoweringContext, layer, y: Value, los: np.ndarray | None, his: np.ndarray, what: str) -> Value:
    """min(max(y, lo_c), hi_c) per channel, exactly: y - relu(y - hi_c), then that + relu(lo_c - that) (no lower
    bound when los is None)."""
    channels = y.shape[-1]
    frac = y.type.frac

    def affine(x: Value, sign: int, bias: np.ndarray, suffix: str) -> Value:
        name, out = ctx.names_for(layer, suffix)
        params = {"kernel": int_tensor(np.full(channels, sign), 0), "bias": int_tensor(bias, frac)}
        return ctx.add(layer.name, make_node("affine", name, [x], out, {"multiplier": "mult"}, params))

    def node(op: str, xs: list[Value], suffix: str) -> Value:
        name, out = ctx.names_for(layer, suffix)
        return ctx.add(layer.name, make_node(op, name, xs, out))

    above = node("relu", [affine(y, 1, -np.asarray(his, dtype=object), f"_{what}_over")], f"_{what}_above")
    capped = node("subtract", [y, above], f"_{what}_capped")
    if los is None:
        return capped
    below = node("relu", [affine(capped, -1, los, f"_{what}_under")], f"_{what}_below")
    return node("add", [capped, below], f"_{what}_clamped")


def lower_output(ctx: LoweringContext, layer, y: Value) -> Value:
    """The layer's OutputQuantizer on y (the integers of its result), or y itself when it has none."""
    oq = getattr(layer, "out_quantizer", None)
    if oq is None:
        return y
    qscales = oq.qscales.value
    if qscales is not None:
        grids = y.name in ctx.channel_grids
        y = _scaled(ctx, layer, y, qscales)
        if grids and not fits(y, max(oq.buffer_bitwidth - 1, getattr(layer, "buffer_bitwidth", 0))):
            raise UnsupportedLayerError(
                f"layer {layer.name!r} ({type(layer).__name__}): its scaled sums could reach the buffer's limits, "
                "and its channels lie on different grids (per-axis frac_bits), where each would saturate at its "
                "own point; quantize the layer before it per tensor")
        # QuantizeML holds the product in the wider of its buffer and the layer's (an unsigned ReLU's has a bit more)
        held = max(oq.buffer_bitwidth - 1, getattr(layer, "buffer_bitwidth", 0))
        y = saturated(ctx, layer, y, held, channel_shifts(qscales, y.shape[-1]), "scaled")
    frac = np.asarray(oq.frac_bits.numpy()).reshape(-1)
    bits = int(oq.bitwidth)
    if len(set(frac.tolist())) == 1:
        return _rescaled(ctx, layer, y, bits, int(frac[0]), bool(oq.signed), "_output")
    return _rescaled_per_channel(ctx, layer, y, bits, frac, bool(oq.signed))


def _rescaled(ctx: LoweringContext, layer, y: Value, bits: int, frac: int, signed: bool, suffix: str) -> Value:
    """y rounded half up onto 2**-frac and saturated to `bits` bits: one quantize node."""
    target = FixedType(bits, bits - frac, signed, Rounding.RND, Overflow.SAT)
    name, out = ctx.names_for(layer, suffix)
    return ctx.add(layer.name, make_node("quantize", name, [y], out, out_type=target))


def _rescaled_per_channel(ctx: LoweringContext, layer, y: Value, bits: int, frac: np.ndarray, signed: bool) -> Value:
    """Channel c rounded onto its own 2**-frac[c] (QuantizeML's per-axis outputs), exactly: scaled up by
    2**(frac[c] - min) so that every channel rounds on the one grid 2**-min to the integer it rounds to on its own,
    quantized once, then scaled back down: the values of every channel, on the finest grid of them."""
    channels = y.shape[-1]
    frac = np.broadcast_to(frac, (channels,)) if frac.size == 1 else frac
    if len(frac) != channels:
        raise UnsupportedLayerError(f"layer {layer.name!r}: {len(frac)} output frac_bits for {channels} channels")
    ups = frac - frac.min()
    up = _power_of_two_scaled(ctx, layer, y, ups, "_output_up")
    rounded = _rescaled(ctx, layer, up, bits, int(frac.min()), signed, "_output_rounded")
    return _power_of_two_scaled(ctx, layer, rounded, -ups, "_output")


def _power_of_two_scaled(ctx: LoweringContext, layer, y: Value, exponents: np.ndarray, suffix: str) -> Value:
    """Channel c times 2**exponents[c], exactly (an affine node of powers of two: shifts in hardware)."""
    low = int(exponents.min())
    kernel = int_tensor(np.array([1 << int(e - low) for e in exponents], dtype=object), -low)
    name, out = ctx.names_for(layer, suffix)
    return ctx.add(layer.name, make_node("affine", name, [y], out, {"multiplier": "barrel"}, {"kernel": kernel}))


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
