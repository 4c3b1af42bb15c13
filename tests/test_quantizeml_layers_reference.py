"""Independent references for tests/test_quantizeml_layers*.py: QuantizeML's integer rules on Python ints.

No test lives here; the layer tests import these helpers. Everything after the weights' float quantization is
Python integer arithmetic, written from docs/quantizeml.md, without hwq.quantizeml's code.
"""

from __future__ import annotations

import math

import keras
import numpy as np


def ceil_log2(x: float) -> int:
    mantissa, exponent = math.frexp(x)
    return exponent - 1 if mantissa == 0.5 else exponent


def max_frac_bits(value_bits: int, r: float, clamp: bool = True) -> int:
    if r == 0:
        return value_bits
    frac = value_bits - ceil_log2(r)
    return min(frac, value_bits) if clamp else frac


def clip(v: int, value_bits: int) -> int:
    return max(-(2**value_bits), min(2**value_bits - 1, v))


def round_shift(v: int, shift: int) -> int:
    """v * 2**shift: exact left shift, or right shift rounding half up (add half an LSB, floor)."""
    if shift >= 0:
        return v << shift
    return (v + (1 << (-shift - 1))) >> -shift


def weights(w: np.ndarray, bits: int = 8):
    """WeightQuantizer per last axis: (integers as Python ints, float64 scales)."""
    w = np.asarray(w, np.float64)
    int_max = 2 ** (bits - 1) - 1
    ranges = np.abs(w).reshape(-1, w.shape[-1]).max(axis=0)
    scales = np.maximum(ranges / int_max, 1e-6)
    q = np.clip(np.round(w / scales), -int_max - 1, int_max)  # np.round: ties to even, as tf.math.round
    return q.astype(np.int64).astype(object), scales


def aligned(values, scales, target_frac: int, bits: int = 8, signed: bool = True):
    """AlignedWeightQuantizer onto a grid of `scales` (per channel) and frac target_frac: Python ints."""
    value_bits = bits - 1 if signed else bits
    values = np.asarray(values, np.float64)
    r = float(np.abs(values).max())
    values, scales = np.broadcast_arrays(values, np.asarray(scales, np.float64))
    out = []
    for v, s in zip(values.reshape(-1), scales.reshape(-1), strict=True):
        frac = min(max_frac_bits(value_bits, r / float(s)), target_frac)
        q = clip(int(np.round(math.ldexp(float(v) / float(s), frac))), value_bits)
        out.append(q << (target_frac - frac))
    return out


def quantized_scale(s: float, scale_bits: int = 8) -> tuple[int, int]:
    frac = max_frac_bits(scale_bits, s, clamp=False)
    return clip(int(np.round(math.ldexp(s, frac))), scale_bits), frac


def output_quantize(acc, acc_frac, scales, range_max, bits: int = 8, buffer_bits: int = 31, signed: bool = True):
    """OutputQuantizer on a QFloat(acc ints, acc_frac, per-channel scales) or, with scales None, a FixedPoint.

    Returns (integers, out frac_bits)."""
    value_bits = bits - 1 if signed else bits
    acc = np.asarray(acc, dtype=object)
    channels = acc.shape[-1]
    out_frac = [max_frac_bits(value_bits, float(r)) for r in np.broadcast_to(range_max, (channels,))]
    out = np.empty(acc.shape, dtype=object)
    for c in range(channels):
        if scales is None:
            m, sf = 1, 0
        else:
            m, sf = quantized_scale(float(np.broadcast_to(scales, (channels,))[c]))
        for idx in np.ndindex(acc.shape[:-1]):
            wide = clip(acc[idx + (c,)] * m, buffer_bits) if scales is not None else acc[idx + (c,)]
            v = clip(round_shift(wide, out_frac[c] - (acc_frac + sf)), value_bits)
            out[idx + (c,)] = max(v, 0) if not signed else v
    return out.astype(np.int64), np.asarray(out_frac)


def as_object(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64).astype(object)


def dequantized_model(layer, input_shape, reload_dir=None):
    """Input -> layer -> Dequantizer as a functional model (the hwq.quantizeml Dequantizer)."""
    from hwq.quantizeml.layers import Dequantizer
    inp = keras.Input(input_shape)
    return keras.Model(inp, Dequantizer()(layer(inp)))


def saved_and_loaded(model, tmp_path):
    path = tmp_path / "model.keras"
    model.save(path)
    return keras.models.load_model(path)
