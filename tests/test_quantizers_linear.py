"""quantized_linear: values, scales, kinds, gradients."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from support.quantizers import run

from hwq.fixed import BinaryType, FixedType, Overflow, Po2Scale, Po2ScaledType, Rounding, on_grid
from hwq.quantizers import UnsupportedQuantizerError, quantized_bits, quantized_linear

HAND = [
    # symmetric by default: step 2^(0-4+1) = 1/8, levels -7..7; ties go to even
    (quantized_linear(4, 0), [0.0625, 0.1875, 1.0, -1.0, -0.0625, 0.8125], [0, 0.25, 0.875, -0.875, 0, 0.75]),
    (quantized_linear(4, 0, symmetric=0), [-1.0, -2.0], [-1.0, -1.0]),
    # unsigned: step 2^(1-4) = 1/8, levels 0..15
    (quantized_linear(4, 1, keep_negative=False), [-0.3, 0.3, 5.0], [0, 0.25, 1.875]),
    # alpha scales before rounding: qs = 0.5·2^(1-4+1) = 1/8, so 0.3 -> 0.25 (quantized_bits gives 0.125)
    (quantized_linear(4, 1, alpha=0.5), [0.3, 2.0, -0.9375], [0.25, 0.875, -0.875]),
    # one signed bit: a sign function onto ±1/2 (0 -> +1/2); like QKeras it rounds x - 1/2, in which float32
    # absorbs a tiny negative x (-1e-30 - 1/2 == -1/2, a tie that goes to 0, so +1/2)
    (quantized_linear(1, 0), [-1.0, 0.0, 0.3, -1e-30, -1e-7], [-0.5, 0.5, 0.5, 0.5, -0.5]),
]


@pytest.mark.parametrize(("q", "x", "expected"), HAND, ids=[str(h[0]) for h in HAND])
def test_hand_verified_values(q, x, expected):
    np.testing.assert_array_equal(run(q, x), np.array(expected, dtype=np.float32))


def test_alpha_before_rounding_differs_from_quantized_bits():
    assert run(quantized_bits(4, 1, alpha=0.5), [0.3]).tolist() == [0.125]
    assert run(quantized_linear(4, 1, alpha=0.5), [0.3]).tolist() == [0.25]


def test_auto_scales_each_element_of_a_vector():
    # qkeras-v3 (Keras 3) reduces over no axis for a 1-D tensor: one scale per element
    q = quantized_linear(2, alpha="auto")
    x = [0.0, 0.5, 1.0, 1.5, 2.0]
    np.testing.assert_array_equal(run(q, x), np.float32(x))
    eps = np.float32(keras.config.epsilon())
    np.testing.assert_array_equal(q.scale, np.float32([eps * 2, 1, 2, 3, 4]))  # qs / 2^(0-2+1)


def test_auto_po2_per_channel():
    # channel 0: 2·0.3/14 -> 2^-5, least squares (0.3·7/2)/(49/2) = 0.043 -> 2^-5 again; 0.3/2^-5 = 9.6 clips to 7
    # channel 1: 2·1.2/14 -> 2^-3, least squares (1.2·7 + 0.5·4)/65 = 0.16 -> 2^-3
    q = quantized_linear(4, 0, alpha="auto_po2")
    with pytest.raises(UnsupportedQuantizerError, match="before any call"):
        q.hw_kind()
    y = run(q, [[0.3, -1.2], [0.01, 0.5]])
    np.testing.assert_array_equal(y, np.float32([[0.21875, -0.875], [0.0, 0.5]]))
    np.testing.assert_array_equal(q.scale, np.float32([[0.25, 1.0]]))  # quantization scale / 2^-3
    kind = q.hw_kind()
    assert kind == Po2ScaledType(FixedType(4, 1, True, Rounding.RND_CONV, Overflow.SAT_SYM), Po2Scale((-2, 0), (1, 2)))
    assert on_grid(kind, y).all()


def test_hw_kinds():
    sym = FixedType(4, 1, True, Rounding.RND_CONV, Overflow.SAT_SYM)
    assert quantized_linear(4, 0).hw_kind() == sym
    assert quantized_linear(4, 0).hw_type() == sym
    assert quantized_linear(4, 1, alpha=0.5).hw_kind() == sym  # the binary point moves by log2(alpha)
    assert quantized_linear(4, 1, keep_negative=False).hw_kind() == FixedType(4, 1, False, Rounding.RND_CONV,
                                                                               Overflow.SAT)
    assert quantized_linear(4, 0, alpha=[1.0, 4.0]).hw_kind() == Po2ScaledType(sym, Po2Scale((0, 2), (2,)))
    assert quantized_linear(1, 0).hw_kind() == BinaryType(False, Po2Scale.uniform(-1))
    for q, what in [(quantized_linear(4, 0, alpha="auto"), "alpha='auto'"), (quantized_linear(4, 0, alpha=0.3),
                                                                             "not a power of two"),
                    (quantized_linear(4, 0, qnoise_factor=0.5), "qnoise_factor")]:
        with pytest.raises(UnsupportedQuantizerError, match=what):
            q.hw_kind()


def test_max_min_range():
    q = quantized_linear(3, 0)  # step 1/4, levels -3..3
    assert (float(q.max()), float(q.min())) == (0.75, -0.75)
    np.testing.assert_array_equal(q.range(), np.float32([0, 0.25, 0.5, 0.75, -0.75, -0.5, -0.25]))
    np.testing.assert_array_equal(quantized_linear(1, 0).range(), np.float32([0.5, -0.5]))


def test_gradient_is_one_inside_the_clip_range():
    x = tf.Variable(np.float32([-2.0, 0.3, 0.875, 2.0]))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(quantized_linear(4, 0)(x))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 1.0, 1.0, 0.0])


def test_qnoise_factor_blends():
    x = np.float32([0.3, -0.7])
    y = run(quantized_linear(4, 0, qnoise_factor=0.5), x)
    np.testing.assert_array_equal(y, x + np.float32(0.5) * (np.float32([0.25, -0.75]) - x))


def test_stochastic_rounding_unbiased_in_training():
    keras.utils.set_random_seed(3)
    q = quantized_linear(4, 0, use_stochastic_rounding=True)
    x = np.full(20000, 0.3, dtype=np.float32)  # 2.4 steps: up with probability 0.4
    np.testing.assert_array_equal(run(q, x), np.full(20000, 0.25, dtype=np.float32))
    y = run(q, x, training=True)
    assert set(np.unique(y).tolist()) == {0.25, 0.375}
    # per draw sd = 0.125·sqrt(0.24) = 0.061, mean of 20000: 0.00043; 0.003 is 7 standard deviations
    assert abs(float(np.mean(y)) - 0.3) < 0.003


def test_string():
    assert str(quantized_linear(4, 0)) == "quantized_linear(4,0,1)"
    assert str(quantized_linear(4, 1, 0, keep_negative=False, alpha="auto_po2")) == \
        "quantized_linear(4,1,0,keep_negative=False,alpha='auto_po2')"
    assert str(quantized_linear(4, 0, alpha=[0.5, 1.0])) == "quantized_linear(4,0,1,alpha=[0.5, 1.0])"
