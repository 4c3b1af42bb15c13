"""QAdaptiveActivation: integer bits from moving averages of the activation range, checked against numpy.

Outputs are compared exactly: inputs are dyadic and the quantizer rounds onto a 2^-(bits-1-integer) grid,
which numpy reproduces. The moving averages use decay 0.5 (one exact float32 halving per step).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf
from support import numpy_layers as ref

from hwq.layers import QAdaptiveActivation
from hwq.layers.qadaptive import integer_bits_for_range

RNG = np.random.default_rng(77)


def dyadic(shape, frac: int = 4, limit: float = 4.0) -> np.ndarray:
    n = int(limit * 2 ** frac)
    return np.ldexp(RNG.integers(-n, n, size=shape), -frac).astype(np.float32)


def integer_bits_reference(lo: float, hi: float, bits: int, symmetric: bool, keep_negative: bool,
                           clipping: bool) -> int:
    """Integer bits covering [lo, hi] on a bits-bit grid, written out with Python floats."""
    unsigned = bits - int(keep_negative)
    if not keep_negative:
        lo, hi = max(lo, 0.0), max(hi, 0.0)

    def needed(v: float) -> float:
        return max(math.log2(abs(v)), 0.0) if v != 0 else 0.0

    if clipping:
        lo_bits, hi_bits = round(needed(lo)), round(needed(hi))
    else:
        lo_bits, hi_bits = math.ceil(needed(lo)), math.ceil(needed(hi))
        if hi > 2.0 ** hi_bits - 2.0 ** min(hi_bits - unsigned, 0):
            hi_bits += 1
        if symmetric and lo < -(2.0 ** lo_bits) + 2.0 ** min(lo_bits - unsigned, 0):
            lo_bits += 1
    return min(unsigned, max(lo_bits, hi_bits))


@pytest.mark.parametrize("lo,hi", [(0.0, 0.0), (-3.0, 2.5), (-0.5, 4.0), (-4.0, 1.0), (-1.0, 3.99),
                                   (0.2, 2.8), (-1e6, 1e6), (-3.9, -0.1)])
@pytest.mark.parametrize("bits,symmetric,keep_negative,clipping", [(8, True, True, False), (8, False, True, False),
                                                                  (6, False, False, False), (8, True, True, True),
                                                                  (4, False, False, True)])
def test_integer_bits_for_range(lo, hi, bits, symmetric, keep_negative, clipping):
    got = integer_bits_for_range(np.float32(lo), np.float32(hi), bits, symmetric, keep_negative, clipping)
    assert int(np.asarray(got)) == integer_bits_reference(lo, hi, bits, symmetric, keep_negative, clipping)


def test_inference_quantizes_with_integer_bits_of_the_stored_averages():
    layer = QAdaptiveActivation("quantized_bits", 6, quantization_delay=1)
    x = dyadic((4, 5))
    layer.build(x.shape)
    layer.ema_min.assign([-3.0])
    layer.ema_max.assign([1.5])
    assert int(np.asarray(layer.integer_bits())[0]) == 2
    expected = ref.quantized_bits_fixed(x, 6, 2, symmetric=True)
    assert np.array_equal(np.asarray(layer(x)), expected)
    assert layer.get_quantization_config() == "quantized_bits(6,2)"


def test_per_channel_integer_bits():
    layer = QAdaptiveActivation("quantized_bits", 5, per_channel=True, symmetric=False, quantization_delay=1)
    x = dyadic((2, 3, 3, 3))
    layer.build(x.shape)
    layer.ema_min.assign([-0.5, -2.0, -7.0])
    layer.ema_max.assign([0.5, 1.0, 3.0])
    assert np.asarray(layer.integer_bits()).tolist() == [0, 1, 3]
    expected = np.stack([ref.quantized_bits_fixed(x[..., c], 5, i) for c, i in enumerate([0, 1, 3])], axis=-1)
    assert np.array_equal(np.asarray(layer(x)), expected)


def test_training_delays_quantization_and_moves_the_averages():
    layer = QAdaptiveActivation("quantized_bits", 8, quantization_delay=2, ema_decay=0.5)
    x = dyadic((4, 6))
    lo, hi = float(x.min()), float(x.max())
    ema_lo = ema_hi = 0.0
    for step in range(4):
        bits = integer_bits_reference(ema_lo, ema_hi, 8, True, True, False)  # from the averages before this step
        y = np.asarray(layer(x, training=True))
        assert int(layer.step.numpy()) == step  # counted from -1
        expected = x if step < 2 else ref.quantized_bits_fixed(x, 8, bits, symmetric=True)
        assert np.array_equal(y, expected), step
        ema_lo, ema_hi = 0.5 * ema_lo + 0.5 * lo, 0.5 * ema_hi + 0.5 * hi
        assert layer.ema_min.numpy().tolist() == [ema_lo] and layer.ema_max.numpy().tolist() == [ema_hi]


@pytest.mark.filterwarnings("ignore:QAdaptiveActivation with quantization_delay")
def test_ema_freeze_delay_and_inference_leave_the_averages_alone():
    layer = QAdaptiveActivation("quantized_relu", 6, quantization_delay=0, ema_decay=0.5, ema_freeze_delay=1)
    x = dyadic((4, 6))
    layer(x)  # inference: no update
    assert layer.ema_max.numpy().tolist() == [0.0]
    for _ in range(2):  # steps 0 and 1 update
        layer(x, training=True)
    frozen = layer.ema_max.numpy().copy()
    layer(x, training=True)  # step 2 > 1: frozen
    assert np.array_equal(layer.ema_max.numpy(), frozen) and frozen[0] == 0.75 * max(float(x.max()), 0.0)


def test_quantized_relu_with_upper_bound_and_leak():
    layer = QAdaptiveActivation("quantized_relu", 6, relu_upper_bound=1.5, relu_neg_slope=0.25, quantization_delay=1)
    x = dyadic((3, 8))
    layer.build(x.shape)
    layer.ema_min.assign([-1.0])
    layer.ema_max.assign([1.5])
    assert layer.keep_negative and int(np.asarray(layer.integer_bits())[0]) == 1
    y = np.asarray(layer(x))
    # 5 magnitude bits with 1 integer bit: 2^-4 steps; negatives leak at 1/4 on the same grid; clip at 1.5
    pos = np.clip(np.round(x * 16) / 16, 0, 2 - 1 / 16)
    neg = np.clip(np.round(x * 0.25 * 16) / 16, -0.5, 0)
    assert np.array_equal(y, np.minimum(pos + neg, 1.5))


@pytest.mark.filterwarnings("ignore:QAdaptiveActivation with quantization_delay")
def test_gradient_passes_straight_through():
    layer = QAdaptiveActivation("quantized_bits", 8, quantization_delay=0)
    x = tf.Variable(dyadic((2, 4), limit=0.5))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True))
    assert np.array_equal(np.asarray(tape.gradient(loss, x)), np.ones((2, 4), np.float32))


def test_step_sources_and_config_round_trip():
    counter = tf.Variable(5, dtype=tf.int64)
    linked = QAdaptiveActivation("quantized_bits", 8, current_step=counter, quantization_delay=10)
    linked(dyadic((2, 3)), training=True)
    assert int(counter.numpy()) == 5 and linked.step is counter  # followed, never advanced by the layer
    assert linked.get_config()["current_step"] == 5 and [w.name for w in linked.weights] == ["ema_min", "ema_max"]
    fixed = QAdaptiveActivation("quantized_relu", 4, current_step=3, quantization_delay=10)
    fixed(dyadic((2, 3)), training=True)
    assert int(fixed.step.numpy()) == 3
    own = QAdaptiveActivation("quantized_bits", 8, quantization_delay=3, per_channel=True, po2_rounding=True,
                              relu_upper_bound=None, name="aa")
    config = own.get_config()
    assert config["current_step"] is None
    assert QAdaptiveActivation.from_config(config).get_config() == config
    assert own.get_weights() == []  # QKeras keeps the averages private


def test_rejects_unsupported_activations():
    with pytest.raises(ValueError, match="without arguments"):
        QAdaptiveActivation("quantized_bits(4,0)", 4)
    with pytest.raises(ValueError, match="must be one of"):
        QAdaptiveActivation("quantized_tanh", 4)
    with pytest.warns(UserWarning, match="quantization_delay"):
        QAdaptiveActivation("quantized_bits", 4)
