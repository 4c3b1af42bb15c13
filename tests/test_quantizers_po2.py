"""quantized_po2 and quantized_relu_po2: QKeras values, exact exponents, kinds, stochastic rounding."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from support.quantizers import run

from hwq.fixed import Po2Type, on_grid
from hwq.quantizers import UnsupportedQuantizerError, quantized_po2, quantized_relu_po2

HAND = [
    # QKeras' published example: 4 bits = value sign + exponent sign + 2 exponent bits, e in [-4, 3]
    (quantized_po2(4, log2_rounding="floor"), [-16, -7, -0.12, -0.03, 0, 0.01, 5, 10],
     [-8, -4, -0.0625, -0.0625, 0.0625, 0.0625, 4, 8]),
    # 'rnd' rounds log2|x|: up exactly when the mantissa exceeds sqrt(2) (1.4142135 is the float32 below it)
    (quantized_po2(4), [0.7, 0.75, 1.4142135, 1.4142137, 3, 100, -0.01, 0, 1e-8, -0.0],
     [0.5, 1, 1, 2, 4, 8, -0.0625, 0.0625, 0.0625, 0.0625]),
    # max_value <= 1: no exponent sign bit, e in [-16, 15], and |x| clipped to 1 first
    (quantized_po2(5, max_value=1), [3, -0.3, 2.0 ** -20, -2.0 ** -20], [1, -0.25, 2.0 ** -16, -(2.0 ** -16)]),
    # quadratic: even exponents 2·round(log2(x)/2), e/2 in [-8, 6]; an exact tie (x = 2^odd) goes down,
    # as QKeras' float32 sqrt does; |x| < 1e-7 still gives 2^min_exp = 2^-8
    (quantized_po2(5, quadratic_approximation=True), [2, 3, 8, 9, 1e5, 1e-8, -0.3],
     [1, 4, 4, 16, 4096, 2.0 ** -8, -0.25]),
    (quantized_po2(5, quadratic_approximation=True, log2_rounding="floor"), [2, 3, 8, 0.3], [1, 1, 4, 0.25]),
    # relu_po2: no value sign bit, e in [-8, 7]; negatives and 0 give 2^min_exp
    (quantized_relu_po2(4), [-2, 0, 0.3, 5, 1000], [2.0 ** -8, 2.0 ** -8, 0.25, 4, 128]),
    # a power-of-two slope: -2^round(log2(slope·|x|)) below 0, clipped to max_value too
    (quantized_relu_po2(4, max_value=1, negative_slope=0.5), [-3, -0.3, 0, 0.3, 5],
     [-1, -0.125, 2.0 ** -16, 0.25, 1]),
    (quantized_relu_po2(4, log2_rounding="floor"), [0.74, 3.9, 4.0], [0.5, 2, 4]),
]


@pytest.mark.parametrize(("q", "x", "expected"), HAND, ids=[str(h[0]) for h in HAND])
def test_hand_verified_values(q, x, expected):
    np.testing.assert_array_equal(run(q, x), np.array(expected, dtype=np.float32))


def test_exact_powers_of_two_keep_their_exponent():
    # QKeras floors log(x)/log(2) in float32, which gives 14.999999 for 2^15 (and 22 other exponents);
    # hwq reads the exponent exactly, as a leading-one detector does
    x = np.ldexp(1.0, np.arange(-23, 41)).astype(np.float32)  # 2^-24 < 1e-7 would take 2^min_exp
    for rounding in ("floor", "rnd"):
        np.testing.assert_array_equal(run(quantized_po2(8, log2_rounding=rounding), x), x)
        np.testing.assert_array_equal(run(quantized_po2(8, log2_rounding=rounding), -x), -x)


@pytest.mark.parametrize(("bits", "top"), [(3, 2.0), (4, 8.0), (5, 128.0), (6, 32768.0)])
def test_max_min_as_qkeras(bits, top):
    q = quantized_po2(bits)
    assert (q.max(), q.min()) == (top, -top)


def test_relu_po2_min_max():
    assert quantized_relu_po2(4).min() == 2.0 ** -8
    assert quantized_relu_po2(4, negative_slope=0.5).min() == -4.0  # -slope·2^(bits-1)
    assert quantized_relu_po2(4).max() == 128.0 and quantized_relu_po2(4, max_value=3).max() == 3.0


KINDS = [
    (quantized_po2(4), Po2Type(-4, 3, True, False)),
    (quantized_po2(5, max_value=1), Po2Type(-16, 0, True, False)),
    (quantized_po2(6, max_value=3), Po2Type(-16, 2, True, False)),  # e in [-16, 15]; round(log2 3) = 2
    (quantized_po2(6, max_value=3, log2_rounding="floor"), Po2Type(-16, 1, True, False)),
    (quantized_po2(5, quadratic_approximation=True), Po2Type(-16, 12, True, False)),
    (quantized_relu_po2(4), Po2Type(-8, 7, False, False)),
    (quantized_relu_po2(4, max_value=1, negative_slope=0.5), Po2Type(-16, 0, True, False)),
]


@pytest.mark.parametrize(("q", "kind"), KINDS, ids=[str(k[0]) for k in KINDS])
def test_hw_kind(q, kind):
    assert q.hw_kind() == kind
    x = np.concatenate([np.linspace(-300, 300, 601), np.ldexp(1.0, np.arange(-30, 30)), [0.0, 1e-9]])
    assert on_grid(kind, run(q, x)).all()
    with pytest.raises(UnsupportedQuantizerError, match="hw_kind"):
        q.hw_type()


def test_kind_sizes():
    assert Po2Type(-4, 3).exponent_width == 3 and Po2Type(-4, 3).width == 4  # QKeras' 4 bits
    assert Po2Type(-16, 0, True).width == 6 and Po2Type(-8, 7, False).width == 4


def test_refusals_and_validation():
    with pytest.raises(UnsupportedQuantizerError, match="qnoise_factor"):
        quantized_po2(4, qnoise_factor=0.5).hw_kind()
    with pytest.raises(ValueError, match="log2_rounding"):
        quantized_po2(4, log2_rounding="ceil")
    with pytest.raises(ValueError, match="no room for the exponent"):
        quantized_po2(1)
    with pytest.raises(ValueError, match="negative_slope"):
        quantized_relu_po2(4, negative_slope=0.3)
    with pytest.raises(ValueError, match="non-negative"):
        quantized_po2(4, max_value=-1)


def test_straight_through_gradient():
    x = tf.Variable(np.float32([-3.0, 0.3, 7.0]))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(quantized_po2(4)(x))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, 1.0, 1.0])


def test_stochastic_rounding_is_unbiased_in_training_only():
    keras.utils.set_random_seed(7)
    q = quantized_po2(8, use_stochastic_rounding=True)
    x = np.full(20000, 0.3, dtype=np.float32)
    np.testing.assert_array_equal(run(q, x), np.full(20000, 0.25, dtype=np.float32))  # inference: nearest
    y = run(q, x, training=True)
    assert set(np.unique(y).tolist()) == {0.25, 0.5}  # P(0.5) = (0.3 - 0.25) / 0.25 = 0.2
    # each draw has standard deviation 0.1, so the mean of 20000 has 0.0007: 0.005 is 7 of them (the
    # seed is fixed anyway; the bound says the test cannot flake with another seed either)
    assert abs(float(np.mean(y)) - 0.3) < 0.005
    assert q.hw_kind() == quantized_po2(8).hw_kind()


def test_strings():
    assert str(quantized_po2(4)) == "quantized_po2(4)"
    assert str(quantized_po2(4, 1)) == "quantized_po2(4,1)"
    assert str(quantized_relu_po2(4, 2, negative_slope=0.5)) == "quantized_relu_po2(4,2,negative_slope=0.5)"
