"""QAveragePooling2D, QGlobalAveragePooling2D and QBatchNormalization against numpy references.

Pooling is compared exactly: inputs are multiples of 2^-4, so inputs·area and the window sums are exact
in float32, TensorFlow divides a window's sum by its count (IEEE division is correctly rounded, so the
quotient is the exact sum whenever that sum is representable, as here), and Q(1/area) is a short dyadic.
Batch normalization involves 1/sqrt(var + ε) and batch variances, which are not dyadic: those checks
use a tolerance, except where an inverse_quantizer puts the factor back on a grid (then exact).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from support import numpy_layers as ref

from hwq.layers import QAveragePooling2D, QBatchNormalization, QGlobalAveragePooling2D
from hwq.quantizers import quantized_bits, quantized_po2

RNG = np.random.default_rng(1112)


def dyadic(shape, frac: int = 4, limit: float = 4.0) -> np.ndarray:
    n = int(limit * 2 ** frac)
    return np.ldexp(RNG.integers(-n, n, size=shape), -frac).astype(np.float32)


def channels_first(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, -1, 1)


# -- QAveragePooling2D ---------------------------------------------------------------------------------

@pytest.mark.parametrize("pool,strides,padding,quantizer,q_inverse", [
    ((2, 2), None, "valid", "quantized_bits(8,0,1)", 0.25),
    ((3, 3), (3, 3), "valid", "quantized_bits(4,0,1)", 0.125),       # 1/9 -> 1/8 on a 2^-3 grid
    ((3, 3), (1, 1), "valid", "quantized_bits(8,0,1)", 14 / 128),    # 1/9 -> round(128/9)/128
    ((2, 3), (2, 2), "same", "quantized_bits(8,0,1)", 21 / 128),     # 1/6 -> round(128/6)/128
    ((2, 2), (1, 1), "same", "quantized_bits(8,0,1)", 0.25),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_qaverage_pooling2d_multiplies_window_sum_by_quantized_inverse(pool, strides, padding, quantizer,
                                                                      q_inverse, data_format):
    x = dyadic((2, 7, 8, 3))
    layer = QAveragePooling2D(pool, strides=strides, padding=padding, data_format=data_format,
                              average_quantizer=quantizer, activation="quantized_bits(8,3,alpha=1)")
    layer_in = channels_first(x) if data_format == "channels_first" else x
    y = np.asarray(layer(layer_in))
    y = np.moveaxis(y, 1, -1) if data_format == "channels_first" else y
    sums, counts = ref.average_pool2d_sum(x, pool, strides or pool, padding)
    area = pool[0] * pool[1]
    # Keras' mean of inputs·area over a border window of `count` real inputs is sum·area/count
    expected = ref.quantized_bits_fixed(sums * area / counts * q_inverse, 8, 3)
    assert y.shape == expected.shape
    assert np.array_equal(y, expected)


def test_qaverage_pooling2d_without_quantizers_is_the_float_average():
    x = dyadic((2, 6, 6, 2))
    layer = QAveragePooling2D(2)
    assert layer.activation is None and layer.get_quantizers() == [None]
    sums, counts = ref.average_pool2d_sum(x, (2, 2), (2, 2))
    assert np.array_equal(np.asarray(layer(x)), sums / counts)


# -- QGlobalAveragePooling2D ---------------------------------------------------------------------------

@pytest.mark.parametrize("data_format,keepdims", [("channels_last", False), ("channels_last", True),
                                                  ("channels_first", False), ("channels_first", True)])
def test_qglobal_average_pooling2d(data_format, keepdims):
    x = dyadic((3, 5, 5, 4))
    layer = QGlobalAveragePooling2D(data_format=data_format, keepdims=keepdims,
                                    average_quantizer=quantized_bits(8, 0, 1), activation="quantized_relu(6,2)")
    y = np.asarray(layer(channels_first(x) if data_format == "channels_first" else x))
    expected = ref.quantized_relu_fixed(x.astype(np.float64).sum(axis=(1, 2)) * (5 / 128), 6, 2)  # Q(1/25)
    if keepdims:
        expected = expected[:, None, None, :] if data_format == "channels_last" else expected[:, :, None, None]
    assert np.array_equal(y, expected)
    assert layer.compute_pooling_area((None, 5, 5, 4) if data_format == "channels_last" else (None, 4, 5, 5)) == 25


def test_qglobal_average_pooling2d_without_quantizer_is_keras():
    x = dyadic((2, 4, 4, 3))
    assert np.array_equal(np.asarray(QGlobalAveragePooling2D()(x)), x.astype(np.float64).mean(axis=(1, 2)))


def test_pooling_configs_round_trip():
    for layer in (QAveragePooling2D((3, 3), strides=1, padding="same", average_quantizer="quantized_bits(8,0,1)",
                                    activation="quantized_relu(4,0)", name="p"),
                  QGlobalAveragePooling2D(average_quantizer=quantized_bits(6, 0, 1), keepdims=True, name="g"),
                  QAveragePooling2D(name="plain")):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
        x = dyadic((1, 6, 6, 2))
        assert np.array_equal(np.asarray(layer(x)), np.asarray(clone(x)))


# -- QBatchNormalization -------------------------------------------------------------------------------

# powers of two (even exponents for the variance), so QKeras' default po2 quantizers leave them unchanged
GAMMA = np.array([1.0, 2.0, 0.5], np.float32)
BETA = np.array([0.25, -0.5, 1.0], np.float32)
MEAN = np.array([0.5, -1.0, 2.0], np.float32)
VAR = np.array([4.0, 1.0, 0.25], np.float32)


def bn_layer(**kwargs) -> QBatchNormalization:
    layer = QBatchNormalization(**kwargs)
    layer.build((None, 4, 4, 3) if kwargs.get("axis", -1) == -1 else (None, 3, 4, 4))
    layer.gamma.assign(GAMMA)
    layer.beta.assign(BETA)
    layer.moving_mean.assign(MEAN)
    layer.moving_variance.assign(VAR)
    return layer


def test_qbatchnorm_defaults_are_qkeras_po2_quantizers():
    layer = QBatchNormalization()
    assert [str(q) for q in layer.get_quantizers()] == [
        "quantized_relu_po2(6,2048)", "quantized_po2(5)", "quantized_po2(5)",
        "quantized_relu_po2(6,quadratic_approximation=True)", "None"]
    assert (layer.gamma_constraint.min_value, layer.gamma_constraint.max_value) == (-2048.0, 2048.0)
    assert (layer.momentum, layer.epsilon, layer.axis) == (0.99, 1e-3, -1)


def test_qbatchnorm_inference_uses_quantized_moving_statistics():
    """1/sqrt(var + ε) is not dyadic: compared to 1 float32 rounding of each step (rtol 1e-6)."""
    layer = bn_layer()
    x = dyadic((4, 4, 4, 3))
    expected = ref.batchnorm(x, MEAN, VAR, GAMMA, BETA, 1e-3)
    assert np.allclose(np.asarray(layer(x, training=False)), expected, rtol=1e-6, atol=1e-6)


def test_qbatchnorm_quantizes_off_grid_parameters():
    """gamma 0.7 -> 0.5, beta 0.3 -> 0.25, mean 3 -> 4 (po2 'rnd'), variance 3 -> 4 (even exponents)."""
    layer = bn_layer()
    layer.gamma.assign([0.7, 0.7, 0.7])
    layer.beta.assign([0.3, 0.3, 0.3])
    layer.moving_mean.assign([3.0, 3.0, 3.0])
    layer.moving_variance.assign([3.0, 3.0, 3.0])
    x = dyadic((2, 4, 4, 3))
    expected = ref.batchnorm(x, 4.0, 4.0, 0.5, 0.25, 1e-3)
    assert np.allclose(np.asarray(layer(x, training=False)), expected, rtol=1e-6, atol=1e-6)


def test_qbatchnorm_inverse_quantizer_makes_the_output_exact():
    """With inv = Q(gamma/sqrt(var + ε)) on a 2^-4 grid and po2 beta and mean, every output is x·inv + (beta −
    mean·inv) on a 2^-8 grid, computed exactly in float32."""
    layer = bn_layer(gamma_quantizer=None, variance_quantizer=None, inverse_quantizer="quantized_bits(8,3,alpha=1)")
    x = dyadic((4, 4, 4, 3))
    # 1/sqrt(4.001) = 0.49994, 2/sqrt(1.001) = 1.999, 0.5/sqrt(0.251) = 0.998: far from rounding ties
    inv = ref.quantized_bits_fixed(GAMMA / np.sqrt(VAR.astype(np.float64) + 1e-3), 8, 3)
    assert inv.tolist() == [0.5, 2.0, 1.0]
    expected = x * inv + (BETA - MEAN * inv)
    assert np.array_equal(np.asarray(layer(x, training=False)), expected)


def test_qbatchnorm_inverse_quantizer_excludes_gamma_and_variance_quantizers():
    with pytest.raises(ValueError, match="inverse_quantizer"):
        QBatchNormalization(inverse_quantizer="quantized_bits(8,3)")


def test_qbatchnorm_training_uses_batch_statistics_and_updates_moving_averages():
    """Batch variances are not dyadic: tolerance of a few float32 roundings."""
    layer = bn_layer(mean_quantizer=None, variance_quantizer=None, momentum=0.9)
    x = dyadic((8, 4, 4, 3)) + np.array([1.0, -2.0, 0.5], np.float32)
    mean = x.astype(np.float64).mean(axis=(0, 1, 2))
    var = x.astype(np.float64).var(axis=(0, 1, 2))
    y = np.asarray(layer(x, training=True))
    assert np.allclose(y, ref.batchnorm(x, mean, var, GAMMA, BETA, 1e-3), rtol=1e-5, atol=1e-5)
    assert np.allclose(layer.moving_mean.numpy(), 0.9 * MEAN + 0.1 * mean, rtol=1e-6)
    assert np.allclose(layer.moving_variance.numpy(), 0.9 * VAR + 0.1 * var, rtol=1e-6)


def test_qbatchnorm_training_quantizes_the_batch_statistics():
    layer = bn_layer()
    x = dyadic((8, 4, 4, 3))
    mean = x.astype(np.float64).mean(axis=(0, 1, 2))
    var = x.astype(np.float64).var(axis=(0, 1, 2))
    q_mean = np.asarray(quantized_po2(5)(mean.astype(np.float32)))
    q_var = np.asarray(layer.variance_quantizer_internal(var.astype(np.float32)))
    assert all(float(np.log2(v)).is_integer() for v in q_var)
    y = np.asarray(layer(x, training=True))
    assert np.allclose(y, ref.batchnorm(x, q_mean, q_var, GAMMA, BETA, 1e-3), rtol=1e-5, atol=1e-5)


def test_frozen_qbatchnorm_runs_in_inference_mode_while_training():
    layer = bn_layer()
    layer.trainable = False
    x = dyadic((4, 4, 4, 3))
    assert np.array_equal(np.asarray(layer(x, training=True)), np.asarray(layer(x, training=False)))
    assert np.array_equal(layer.moving_mean.numpy(), MEAN)


def test_qbatchnorm_channels_first_axis():
    layer = bn_layer(axis=1)
    x = dyadic((2, 4, 4, 3))
    y = np.asarray(layer(channels_first(x), training=False))
    expected = ref.batchnorm(x, MEAN, VAR, GAMMA, BETA, 1e-3)
    assert np.allclose(np.moveaxis(y, 1, -1), expected, rtol=1e-6, atol=1e-6)


def test_qbatchnorm_without_center_and_scale():
    layer = QBatchNormalization(center=False, scale=False, mean_quantizer=None, variance_quantizer=None)
    layer.build((None, 3))
    layer.moving_mean.assign(MEAN)
    layer.moving_variance.assign(VAR)
    x = dyadic((5, 3))
    expected = ref.batchnorm(x, MEAN, VAR, 1.0, 0.0, 1e-3)
    assert np.allclose(np.asarray(layer(x)), expected, rtol=1e-6, atol=1e-6)


def test_qbatchnorm_gradients_reach_gamma_beta_and_inputs():
    layer = bn_layer()
    x = tf.Variable(dyadic((8, 4, 4, 3)))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True) * tf.constant([1.0, -2.0, 3.0]))
    grads = tape.gradient(loss, [layer.gamma, layer.beta, x])
    assert all(g is not None and np.any(np.asarray(g) != 0) for g in grads)


def test_qbatchnorm_config_round_trip_and_dropped_options():
    layer = QBatchNormalization(momentum=0.9, epsilon=1e-2, beta_quantizer=quantized_bits(6, 2, alpha=1),
                                gamma_quantizer=None, variance_quantizer="quantized_relu_po2(4)", name="bn")
    config = layer.get_config()
    assert config["gamma_quantizer"] is None and config["beta_quantizer"]["registered_name"] == "hwq>quantized_bits"
    clone = QBatchNormalization.from_config(config)
    assert clone.get_config() == config
    with pytest.warns(UserWarning, match="ignores fused"):
        QBatchNormalization(fused=True)


def test_qbatchnorm_short_training_run():
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), QBatchNormalization(mean_quantizer=None)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    x = dyadic((64, 4))
    bn = model.layers[-1]
    before = [w.numpy().copy() for w in bn.weights]
    model.fit(x, dyadic((64, 3), limit=1.0), epochs=1, batch_size=16, verbose=0)
    assert all(not np.array_equal(b, w.numpy()) for b, w in zip(before, bn.weights, strict=True))


@pytest.mark.parametrize("quantizer", [None, quantized_bits(8, 3, alpha=1)])
@pytest.mark.parametrize("layer", [lambda q: QAveragePooling2D((2, 2), average_quantizer=q),
                                   lambda q: QGlobalAveragePooling2D(average_quantizer=q)])
def test_average_pooling_takes_integer_tensors_as_qkeras_does(layer, quantizer) -> None:
    codes = np.arange(32, dtype=np.int32).reshape(2, 4, 4, 1)
    as_float = layer(quantizer)(codes.astype(np.float32)).numpy()
    assert np.array_equal(layer(quantizer)(codes).numpy(), as_float)
