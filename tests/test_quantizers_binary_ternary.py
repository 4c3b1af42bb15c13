"""binary, stochastic_binary, bernoulli, ternary, stochastic_ternary: values, scales, kinds, sampling."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from support.quantizers import run

from hwq.fixed import BinaryType, Po2Scale, TernaryType, on_grid
from hwq.quantizers import (
    UnsupportedQuantizerError,
    bernoulli,
    binary,
    get_weight_scale,
    stochastic_binary,
    stochastic_ternary,
    ternary,
)

HAND = [
    (binary(), [-0.5, 0.0, 0.2, -0.0], [-1, 1, 1, 1]),  # sign(0) = +1
    (binary(use_01=True), [-0.5, 0.0, 0.2], [0, 1, 1]),
    (binary(alpha=0.5), [-3.0, 3.0], [-0.5, 0.5]),
    (stochastic_binary(alpha=2.0), [-0.1, 0.0, 5.0], [-2, 2, 2]),  # inference: the deterministic binary
    (bernoulli(), [-0.2, 0.0, 0.3], [0, 1, 1]),  # inference: the likelier outcome, 1 for x >= 0
    # dead band |x| < 0.33 (float32 0.33 itself is outside it)
    (ternary(), [-0.5, -0.33, 0.32, 0.0, 0.4], [-1, -1, 0, 0, 1]),
    (ternary(alpha=2, threshold=0.5), [0.49, 0.5, -3.0], [0, 2, -2]),
    (stochastic_ternary(alpha=1.0, threshold=0.25), [0.2, -0.25, 0.3], [0, -1, 1]),
]


@pytest.mark.parametrize(("q", "x", "expected"), HAND, ids=[str(h[0]) for h in HAND])
def test_hand_verified_values(q, x, expected):
    np.testing.assert_array_equal(run(q, x), np.array(expected, dtype=np.float32))


def test_binary_auto_po2_per_channel():
    # channel 0: signs (1, -1), mean(x·k) = (1 + 0.5)/2 = 0.75 -> 2^round(log2 0.75) = 1
    # channel 1: signs (-1, 1), mean(x·k) = (0.2 + 0.6)/2 = 0.4 -> 2^-1
    q = binary(alpha="auto_po2")
    y = run(q, [[1.0, -0.2], [-0.5, 0.6]])
    np.testing.assert_array_equal(y, np.float32([[1, -0.5], [-1, 0.5]]))
    np.testing.assert_array_equal(get_weight_scale(q), np.float32([[1, 0.5]]))
    kind = q.hw_kind()
    assert kind == BinaryType(False, Po2Scale((0, -1), (1, 2)))
    assert on_grid(kind, y).all()
    clipped = binary(alpha="auto_po2", min_po2_exponent=0)
    np.testing.assert_array_equal(run(clipped, [[1.0, -0.2], [-0.5, 0.6]]), np.float32([[1, -1], [-1, 1]]))


def test_binary_auto_is_least_squares():
    q = binary(alpha="auto")
    x = np.float32([[1.0, -0.2], [-0.5, 0.6]])
    k = np.where(x >= 0, 1, -1).astype(np.float32)
    scale = np.mean(x * k, axis=0, keepdims=True) / (np.mean(k * k, axis=0, keepdims=True)
                                                    + np.float32(keras.config.epsilon()))
    np.testing.assert_array_equal(run(q, x), scale * k)
    with pytest.raises(UnsupportedQuantizerError, match="alpha='auto'"):
        q.hw_kind()


def test_binary_elements_per_scale():
    q = binary(alpha="auto_po2", scale_axis=1, elements_per_scale=2)
    x = np.float32([[1, 1, 0.25, 0.25], [1, -1, 0.25, -0.25]])
    np.testing.assert_array_equal(run(q, x), x)  # groups (0, 1) and (2, 3) get scales 1 and 1/4
    assert q.hw_kind().scale == Po2Scale((0, 0, -2, -2), (1, 4))


def test_ternary_auto_po2_hand_computed():
    # channel 0: 2·1/3 -> 2^-1; round(x/0.5) = (2, -2, 0, 0) -> q = (1, -1, 0, 0);
    #   least squares (1 + 0.9)/4 / (2/4) = 0.95 -> 1; then q stays -> scale 1
    # channel 1: 2·0.3/3 = 0.2 -> 2^-2; round(x/0.25) = (0, 0, 1, 0); (0.3/4)/(1/4) = 0.3 -> 2^-2
    q = ternary(alpha="auto_po2")
    x = [[1.0, 0.1], [-0.9, -0.05], [0.2, 0.3], [0.05, 0.02]]
    y = run(q, x)
    np.testing.assert_array_equal(y, np.float32([[1, 0], [-1, 0], [0, 0.25], [0, 0]]))
    assert q.hw_kind() == TernaryType(Po2Scale((0, -2), (1, 2)), None)
    assert on_grid(q.hw_kind(), y).all()


def test_kinds_of_fixed_scales():
    assert binary().hw_kind() == BinaryType(False, Po2Scale.uniform(0))
    assert binary(use_01=True, alpha=4).hw_kind() == BinaryType(True, Po2Scale.uniform(2))
    assert bernoulli().hw_kind() == BinaryType(True, Po2Scale.uniform(0))
    assert ternary(alpha=0.5, threshold=0.25).hw_kind() == TernaryType(Po2Scale.uniform(-1), 0.25)
    assert ternary().hw_kind().threshold == float(np.float32(0.33))
    assert binary(alpha=[1.0, 0.5]).hw_kind().scale == Po2Scale((0, -1), (2,))
    for q in (binary(alpha=0.3), ternary(alpha="auto"), bernoulli(alpha="auto_po2")):
        with pytest.raises(UnsupportedQuantizerError, match="supported:"):
            q.hw_kind()  # not a power of two / float scale / no call yet
    with pytest.raises(UnsupportedQuantizerError, match="hw_kind"):
        binary().hw_type()


def test_max_min():
    assert (binary().max(), binary().min(), binary(use_01=True).min()) == (1.0, -1.0, 0.0)
    assert (ternary(alpha=2.0).max(), ternary(alpha=2.0).min(), ternary(alpha="auto").max()) == (2.0, -2.0, 1.0)
    assert (bernoulli(alpha=0.5).max(), bernoulli().min()) == (1.0, 0.0)


def test_gradients():
    x = tf.Variable(np.float32([-2.0, 0.5]))
    with tf.GradientTape(persistent=True) as tape:
        plain = tf.reduce_sum(binary()(x))  # alpha None: the gradient follows tanh(x)
        scaled = tf.reduce_sum(ternary(alpha=1.0)(x))
    np.testing.assert_allclose(tape.gradient(plain, x).numpy(), 1 - np.tanh([-2.0, 0.5]) ** 2, rtol=1e-6)  # tanh'
    np.testing.assert_array_equal(tape.gradient(scaled, x).numpy(), [1.0, 1.0])


# -- sampling in training: fixed seeds, and bounds of 6+ standard deviations so no seed could flake ----

N = 40000


def test_stochastic_binary_mean_in_training():
    keras.utils.set_random_seed(11)
    q = stochastic_binary(alpha=1.0)  # std 1: P(+1) = sigmoid(6·0.1)
    y = run(q, np.full(N, 0.1), training=True)
    assert set(np.unique(y).tolist()) == {-1.0, 1.0}
    expected = 2.0 / (1.0 + np.exp(-0.6)) - 1.0  # E[±1] = 2p − 1 = 0.2913
    assert abs(float(np.mean(y)) - expected) < 0.03  # sd of the mean 0.96/200 = 0.0048
    np.testing.assert_array_equal(run(q, np.full(4, 0.1)), np.ones(4, np.float32))  # inference: deterministic


def test_bernoulli_mean_in_training():
    keras.utils.set_random_seed(12)
    q = bernoulli(alpha=1.0)
    y = run(q, np.full(N, -0.1), training=True)
    p = 1.0 / (1.0 + np.exp(0.6))  # sigmoid(6·(-0.1)) = 0.354
    assert set(np.unique(y).tolist()) == {0.0, 1.0}
    assert abs(float(np.mean(y)) - p) < 0.015  # sd of the mean 0.478/200 = 0.0024


def test_binary_stochastic_rounding_mean_in_training():
    # x/f with f = 2·min(max|x|, 1) = 2 is rounded to eighths without bias: 0.025 -> 1/8 with P 0.2, else 0
    # (then a fair coin); so E[sign] = 0.2 + 0.8·0 = 0.2
    keras.utils.set_random_seed(13)
    q = binary(use_stochastic_rounding=True)
    x = np.concatenate([np.full(N, 0.05), [-1.0]]).astype(np.float32).reshape(-1, 1)
    y = run(q, x, training=True)[:-1, 0]
    assert set(np.unique(y).tolist()) == {-1.0, 1.0}
    assert abs(float(np.mean(y)) - 0.2) < 0.03  # sd of the mean 0.98/200 = 0.0049
    np.testing.assert_array_equal(run(q, x)[:-1, 0], np.ones(N, np.float32))


def test_stochastic_ternary_mean_in_training():
    # one channel of ±0.4: std 0.4, scale 2^-1 (2·0.4/3 -> 2^-2, least squares 0.4 -> 2^-1), T = 1/4;
    # for x = 0.4: p0 = sigmoid(8·(1 − 0.625)), p1 = sigmoid(8·1.625), E[q] = p0 + p1 − 1
    keras.utils.set_random_seed(14)
    q = stochastic_ternary(alpha="auto_po2")
    x = np.concatenate([np.full(N // 2, 0.4), np.full(N // 2, -0.4)]).astype(np.float32).reshape(-1, 1)
    y = run(q, x, training=True)[:, 0] / 0.5
    assert set(np.unique(y).tolist()) <= {-1.0, 0.0, 1.0}
    expected = 1.0 / (1.0 + np.exp(-3.0)) + 1.0 / (1.0 + np.exp(-13.0)) - 1.0  # 0.9526
    assert abs(float(np.mean(y[: N // 2])) - expected) < 0.01  # q has sd 0.21: sd of the mean 0.0015
    assert abs(float(np.mean(y[N // 2:])) + expected) < 0.01  # and symmetric below 0
    np.testing.assert_array_equal(run(q, x)[:2, 0], np.float32([0.5, 0.5]))  # inference: deterministic


def test_validation():
    with pytest.raises(ValueError, match="threshold"):
        ternary(alpha="auto", threshold=0.3)
    with pytest.raises(ValueError, match="alpha must be"):
        binary(alpha="po2")
    with pytest.raises(ValueError, match="threshold must not be 1.0"):
        stochastic_ternary(threshold=1.0)
