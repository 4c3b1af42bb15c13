"""Folded batch normalization layers (QDenseBatchnorm, QConv2DBatchnorm, QDepthwiseConv2DBatchnorm) against numpy.

Inference is compared exactly: the folding factors k = gamma / sqrt(var + ε) and b' = k·(bias − mean) + beta
are float32 arithmetic that numpy float32 reproduces operation for operation (IEEE sqrt, division and
product are correctly rounded in both), the quantizers then put kernel and bias on short dyadic grids, and
the convolution of dyadic inputs with them is exact in float32 (see test_layers_conv.py).
Training depends on batch means and variances, whose float32 sums TensorFlow orders its own way: those
checks use a tolerance (and no quantizer where a rounding could flip on a last-bit difference).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from support import numpy_layers as ref

from hwq.layers import QConv2DBatchnorm, QDenseBatchnorm, QDepthwiseConv2DBatchnorm

RNG = np.random.default_rng(4242)
EPS = 1e-3
K6 = "quantized_bits(6,2,alpha=1)"   # folded kernels: 2^-3 grid in [-4, 4)
B8 = "quantized_bits(8,3,alpha=1)"   # folded biases: 2^-4 grid in [-8, 8)


def dyadic(shape, frac: int = 4, limit: float = 4.0) -> np.ndarray:
    n = int(limit * 2 ** frac)
    return np.ldexp(RNG.integers(-n, n, size=shape), -frac).astype(np.float32)


def f32(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


class Params:
    """Hand-built float weights and batch-norm state for `channels` output channels."""

    def __init__(self, kernel_shape, channels: int):
        self.kernel = f32(RNG.uniform(-1, 1, size=kernel_shape))
        self.bias = f32(RNG.uniform(-1, 1, size=channels))
        self.gamma = f32(RNG.uniform(0.5, 2, size=channels))
        self.beta = f32(RNG.uniform(-1, 1, size=channels))
        self.mean = f32(RNG.uniform(-1, 1, size=channels))
        self.var = f32(RNG.uniform(0.25, 4, size=channels))

    def load(self, layer) -> None:
        names = {"kernel": self.kernel, "depthwise_kernel": self.kernel, "bias": self.bias, "gamma": self.gamma,
                 "beta": self.beta, "moving_mean": self.mean, "moving_variance": self.var}
        for w in layer.weights:
            if w.name in names:
                w.assign(names[w.name])

    def folded(self, use_bias: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(k, b') in float32, in the layer's order of operations."""
        k = (np.float32(1.0) / np.sqrt(self.var + np.float32(EPS))) * self.gamma
        bias = self.bias if use_bias else np.float32(0.0)
        return k, k * (bias - self.mean) + self.beta


# -- inference: exact ----------------------------------------------------------------------------------

@pytest.mark.parametrize("use_bias", [True, False])
def test_qdense_batchnorm_inference_folds_moving_statistics(use_bias):
    layer = QDenseBatchnorm(4, use_bias=use_bias, kernel_quantizer=K6, bias_quantizer=B8,
                            activation="quantized_relu(6,2)")
    layer.build((None, 5))
    p = Params((5, 4), 4)
    p.load(layer)
    x = dyadic((8, 5))
    k, b = p.folded(use_bias)
    pre = x.astype(np.float64) @ ref.quantized_bits_fixed(p.kernel * k, 6, 2) + ref.quantized_bits_fixed(b, 8, 3)
    assert np.array_equal(np.asarray(layer(x, training=False)), ref.quantized_relu_fixed(pre, 6, 2))
    folded_kernel, folded_bias = (np.asarray(t) for t in layer.get_folded_weights())
    assert np.array_equal(folded_kernel, p.kernel * k) and np.array_equal(folded_bias, b)
    q_kernel, q_bias = (np.asarray(t) for t in layer.get_quantized_folded_weights())
    assert np.array_equal(q_kernel, ref.quantized_bits_fixed(p.kernel * k, 6, 2))
    assert np.array_equal(q_bias, ref.quantized_bits_fixed(b, 8, 3))


@pytest.mark.parametrize("padding,strides,data_format", [("valid", (1, 1), "channels_last"),
                                                         ("same", (2, 2), "channels_last"),
                                                         ("same", (1, 1), "channels_first")])
def test_qconv2d_batchnorm_inference_folds_moving_statistics(padding, strides, data_format):
    axis = 1 if data_format == "channels_first" else -1
    layer = QConv2DBatchnorm(4, 3, strides=strides, padding=padding, data_format=data_format, axis=axis,
                             kernel_quantizer=K6, bias_quantizer=B8)
    x = dyadic((2, 7, 7, 3))
    layer_in = np.moveaxis(x, -1, 1) if data_format == "channels_first" else x
    layer.build(layer_in.shape)
    p = Params((3, 3, 3, 4), 4)
    p.load(layer)
    k, b = p.folded()
    expected = ref.conv(x, ref.quantized_bits_fixed(p.kernel * k, 6, 2), strides, padding)
    expected = expected + ref.quantized_bits_fixed(b, 8, 3)
    y = np.asarray(layer(layer_in))
    y = np.moveaxis(y, 1, -1) if data_format == "channels_first" else y
    assert np.array_equal(y, expected)


def test_qconv2d_batchnorm_applies_the_mask_after_quantizing():
    mask = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.float32)
    layer = QConv2DBatchnorm(2, 3, kernel_quantizer=K6, bias_quantizer=B8, mask=mask)
    layer.build((None, 5, 5, 2))
    p = Params((3, 3, 2, 2), 2)
    p.load(layer)
    k, b = p.folded()
    q_kernel = ref.quantized_bits_fixed(p.kernel * k, 6, 2) * mask[:, :, None, None]
    x = dyadic((2, 5, 5, 2))
    assert np.array_equal(np.asarray(layer(x)), ref.conv(x, q_kernel) + ref.quantized_bits_fixed(b, 8, 3))
    assert np.array_equal(np.asarray(layer.get_quantized_folded_weights()[0]), q_kernel)


@pytest.mark.parametrize("multiplier", [1, 2])
def test_qdepthwise_conv2d_batchnorm_inference_folds_per_output_channel(multiplier):
    layer = QDepthwiseConv2DBatchnorm(3, depth_multiplier=multiplier, padding="same", depthwise_quantizer=K6,
                                      bias_quantizer=B8)
    layer.build((None, 6, 6, 3))
    p = Params((3, 3, 3, multiplier), 3 * multiplier)
    p.load(layer)
    k, b = p.folded()
    folded = p.kernel * k.reshape(3, multiplier)  # output channel c·multiplier + m is kernel[..., c, m]
    x = dyadic((2, 6, 6, 3))
    expected = ref.depthwise_conv(x, ref.quantized_bits_fixed(folded, 6, 2), padding="same")
    assert np.array_equal(np.asarray(layer(x)), expected + ref.quantized_bits_fixed(b, 8, 3))
    assert np.array_equal(np.asarray(layer.get_folded_weights()[0]), folded)
    assert np.array_equal(np.asarray(layer.get_quantized_folded_weights()[0]), ref.quantized_bits_fixed(folded, 6, 2))


def test_folding_without_center_or_scale():
    layer = QDenseBatchnorm(3, center=False, scale=False, kernel_quantizer=K6, bias_quantizer=B8)
    layer.build((None, 4))
    p = Params((4, 3), 3)
    p.load(layer)
    assert layer.batchnorm.gamma is None and layer.batchnorm.beta is None
    k = np.float32(1.0) / np.sqrt(p.var + np.float32(EPS))
    b = k * (p.bias - p.mean)
    x = dyadic((6, 4))
    expected = x.astype(np.float64) @ ref.quantized_bits_fixed(p.kernel * k, 6, 2) + ref.quantized_bits_fixed(b, 8, 3)
    assert np.array_equal(np.asarray(layer(x)), expected)


# -- training ------------------------------------------------------------------------------------------

def batch_statistics(pre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    axes = tuple(range(pre.ndim - 1))
    return pre.mean(axis=axes), pre.var(axis=axes)


@pytest.mark.parametrize("folding_mode", ["ema_stats_folding", "batch_stats_folding"])
def test_training_without_quantizers_is_batch_normalization_with_batch_statistics(folding_mode):
    """Both modes give exactly BN(conv) in float while training; the moving averages take one momentum step."""
    layer = QConv2DBatchnorm(4, 3, momentum=0.9, folding_mode=folding_mode)
    layer.build((None, 6, 6, 3))
    p = Params((3, 3, 3, 4), 4)
    p.load(layer)
    x = dyadic((8, 6, 6, 3))
    pre = ref.conv(x, p.kernel) + p.bias
    mean, var = batch_statistics(pre)
    y = np.asarray(layer(x, training=True))
    assert np.allclose(y, ref.batchnorm(pre, mean, var, p.gamma, p.beta, EPS), rtol=1e-4, atol=1e-4)
    assert np.allclose(layer.batchnorm.moving_mean.numpy(), 0.9 * p.mean + 0.1 * mean, rtol=1e-5, atol=1e-6)
    assert np.allclose(layer.batchnorm.moving_variance.numpy(), 0.9 * p.var + 0.1 * var, rtol=1e-5)
    assert int(layer._iteration.numpy()) == 0  # the counter starts at -1


def _dense_batch(layer):
    """Build a 6 -> 4 folded dense layer with random parameters; a dyadic batch of 16 and its float
    pre-normalization statistics: (params, x, mean, var)."""
    layer.build((None, 6))
    p = Params((6, 4), 4)
    p.load(layer)
    x = dyadic((16, 6))
    mean, var = batch_statistics(x.astype(np.float64) @ p.kernel + p.bias)
    return p, x, mean, var


def test_ema_folding_quantizes_kernel_folded_with_the_updated_moving_variance():
    """ema_stats_folding while training: conv(x, Q(k_moving·W)) · sqrt(mv+ε)/sqrt(var_B+ε) + batch-folded bias,
    with the moving variance just updated by this step. Batch statistics are float: tolerance."""
    layer = QDenseBatchnorm(4, momentum=0.5, kernel_quantizer=K6)
    p, x, mean, var = _dense_batch(layer)
    y = np.asarray(layer(x, training=True))
    moving_var = layer.batchnorm.moving_variance.numpy()
    assert np.allclose(moving_var, 0.5 * p.var + 0.5 * var, rtol=1e-5)
    k_moving = (np.float32(1.0) / np.sqrt(moving_var + np.float32(EPS))) * p.gamma
    q_kernel = ref.quantized_bits_fixed(p.kernel * k_moving, 6, 2)
    correction = np.sqrt(moving_var + EPS) / np.sqrt(var + EPS)
    bias = p.gamma / np.sqrt(var + EPS) * (p.bias - mean) + p.beta
    assert np.allclose(y, (x @ q_kernel) * correction + bias, rtol=1e-5, atol=1e-5)


def test_batch_folding_quantizes_kernel_folded_with_batch_variance():
    layer = QDenseBatchnorm(4, kernel_quantizer="quantized_bits(4,1,alpha=1)", folding_mode="batch_stats_folding")
    p, x, mean, var = _dense_batch(layer)
    k = p.gamma / np.sqrt(var + EPS)
    expected = x @ ref.quantized_bits_fixed(p.kernel * k, 4, 1) + k * (p.bias - mean) + p.beta
    assert np.allclose(np.asarray(layer(x, training=True)), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("folding_mode", ["ema_stats_folding", "batch_stats_folding"])
def test_ema_freeze_delay_switches_to_moving_statistics(folding_mode):
    """Counter -1, 0, 1 (<= delay 1): batch statistics, averages move. Counter 2: frozen, as at inference."""
    layer = QDepthwiseConv2DBatchnorm(3, depthwise_quantizer=K6, bias_quantizer=B8, ema_freeze_delay=1,
                                      folding_mode=folding_mode)
    layer.build((None, 6, 6, 2))
    Params((3, 3, 2, 1), 2).load(layer)
    x = dyadic((4, 6, 6, 2))
    for step in range(3):
        before = layer.batchnorm.moving_mean.numpy().copy()
        layer(x, training=True)
        assert not np.array_equal(before, layer.batchnorm.moving_mean.numpy()), step
    frozen = [w.numpy().copy() for w in layer.batchnorm.weights]
    y_train = np.asarray(layer(x, training=True))
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(frozen, layer.batchnorm.weights, strict=True))
    assert int(layer._iteration.numpy()) == 3
    assert np.array_equal(y_train, np.asarray(layer(x, training=False)))


def test_frozen_layer_folds_moving_statistics_while_training():
    layer = QConv2DBatchnorm(2, 3, kernel_quantizer=K6, bias_quantizer=B8, trainable=False)
    layer.build((None, 5, 5, 2))
    Params((3, 3, 2, 2), 2).load(layer)
    x = dyadic((4, 5, 5, 2))
    before = layer.batchnorm.moving_variance.numpy().copy()
    assert np.array_equal(np.asarray(layer(x, training=True)), np.asarray(layer(x, training=False)))
    assert np.array_equal(before, layer.batchnorm.moving_variance.numpy())


def test_gradients_reach_kernel_gamma_and_beta():
    """The bias gets (almost) none in training: it cancels against the batch mean, as in any conv + BN."""
    layer = QConv2DBatchnorm(3, 3, kernel_quantizer=K6, bias_quantizer=B8)
    layer.build((None, 5, 5, 2))
    Params((3, 3, 2, 3), 3).load(layer)
    x = tf.constant(dyadic((4, 5, 5, 2)))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True) * tf.constant([1.0, -1.0, 2.0]))
    targets = [layer.kernel, layer.batchnorm.gamma, layer.batchnorm.beta]
    for w, g in zip(targets, tape.gradient(loss, targets), strict=True):
        assert g is not None and np.any(np.asarray(g) != 0), w.name


def test_short_fit_updates_weights_statistics_and_counter():
    keras.utils.set_random_seed(11)
    model = keras.Sequential([
        keras.Input((6, 6, 2)),
        QConv2DBatchnorm(4, 3, kernel_quantizer="quantized_bits(6,2,1)", bias_quantizer=B8,
                         activation="quantized_relu(6,2)", ema_freeze_delay=100),
        QDepthwiseConv2DBatchnorm(3, depthwise_quantizer=K6, bias_quantizer=B8, folding_mode="batch_stats_folding"),
        keras.layers.Flatten(),
        QDenseBatchnorm(2, kernel_quantizer=K6, bias_quantizer=B8),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    x, y = dyadic((32, 6, 6, 2)), dyadic((32, 2), limit=1.0)
    folded = [model.layers[i] for i in (0, 1, 3)]
    kernels = [np.asarray(layer.weights[0]).copy() for layer in folded]
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    for layer, before in zip(folded, kernels, strict=True):
        assert not np.array_equal(before, np.asarray(layer.weights[0])), layer.name
        assert int(layer._iteration.numpy()) == 8 - 1  # 8 training steps from -1
        assert np.all(layer.batchnorm.moving_variance.numpy() != 1.0)  # moved away from its initial ones


# -- configuration and saving --------------------------------------------------------------------------

def test_config_round_trip_and_qkeras_arguments():
    layer = QConv2DBatchnorm(3, 3, kernel_quantizer="quantized_bits(4,0,1)", bias_quantizer=B8, momentum=0.9,
                             epsilon=0.01, ema_freeze_delay=5, folding_mode="batch_stats_folding", synchronized=False,
                             renorm=False, name="cbn")
    config = layer.get_config()
    assert (config["momentum"], config["epsilon"], config["ema_freeze_delay"]) == (0.9, 0.01, 5)
    assert config["name"] == "cbn" and config["kernel_quantizer"]["registered_name"] == "hwq>quantized_bits"
    assert str(layer.kernel_quantizer_internal) == "quantized_bits(4,0,1,alpha='auto_po2')"
    clone = QConv2DBatchnorm.from_config(config)
    assert clone.get_config() == config
    for cls, args in ((QDenseBatchnorm, (3,)), (QDepthwiseConv2DBatchnorm, (3,))):
        layer = cls(*args, center=False, depth_multiplier=2) if cls is QDepthwiseConv2DBatchnorm else cls(*args)
        assert cls.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="folding_mode"):
        QDenseBatchnorm(3, folding_mode="fold_everything")


def test_batchnorm_axis_must_be_the_channel_axis():
    layer = QConv2DBatchnorm(3, 3, data_format="channels_first")  # axis=-1 is the width here
    with pytest.raises(ValueError, match="axis=1"):
        layer.build((None, 2, 6, 6))


def test_reads_the_qkeras_v3_variable_layout():
    """qkeras-v3 stores kernel, bias as "0", "1", the counter as "iteration" (and, for depthwise, also "2")."""
    layer = QDepthwiseConv2DBatchnorm(3)
    layer.build((None, 5, 5, 2))
    kernel, bias = dyadic((3, 3, 2, 1)), dyadic((2,))
    layer.load_own_variables({"0": kernel, "1": bias, "2": np.int64(41), "iteration": np.int64(41)})
    assert np.array_equal(layer.depthwise_kernel.numpy(), kernel) and int(layer._iteration.numpy()) == 41
    store: dict = {}
    layer.save_own_variables(store)
    assert sorted(store) == ["0", "1", "iteration"]
    with pytest.raises(ValueError, match="no variables"):
        layer.load_own_variables({"0": kernel})
