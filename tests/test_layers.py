"""hwq.layers: QDense and QActivation forward, gradients, QKeras conventions, config and .keras round trips."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from hwq.layers import Clip, QActivation, QDense
from hwq.quantizers import quantized_bits, quantized_relu


def small_model() -> keras.Model:
    return keras.Sequential([
        keras.Input((4,)),
        QActivation(quantized_bits(8, 3), name="input_q"),
        QDense(8, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1),
               activation="quantized_relu(6,0)", name="fc"),
    ])


def test_small_model_trains_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(1)
    model = small_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    x = np.random.default_rng(0).normal(0, 2, size=(256, 4)).astype(np.float32)
    y = np.random.default_rng(1).uniform(0, 1, size=(256, 8)).astype(np.float32)
    before = model.layers[1].kernel.numpy().copy()
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert not np.array_equal(before, model.layers[1].kernel.numpy())
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects: importing hwq.layers registered everything
    assert np.array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    fc = loaded.get_layer("fc")
    assert isinstance(fc, QDense) and isinstance(loaded.get_layer("input_q"), QActivation)
    assert str(fc.kernel_quantizer_internal) == "quantized_bits(6,0,0,alpha=1)"
    assert str(fc.activation) == "quantized_relu(6,0)"
    assert str(loaded.get_layer("input_q").quantizer) == "quantized_bits(8,3,0)"


def test_qdense_forward_is_the_quantized_formula():
    layer = QDense(3, kernel_quantizer=quantized_bits(4, 0, alpha=1), bias_quantizer=quantized_bits(4, 1, alpha=1),
                   activation=quantized_relu(6, 2))
    layer.build((None, 4))
    rng = np.random.default_rng(3)
    layer.kernel.assign(rng.uniform(-1.2, 1.2, size=(4, 3)).astype(np.float32))
    layer.bias.assign(rng.uniform(-2.5, 2.5, size=3).astype(np.float32))
    x = np.ldexp(rng.integers(-64, 64, size=(16, 4)), -4).astype(np.float32)  # dyadic: float32 sums are exact
    wq = np.asarray(quantized_bits(4, 0, alpha=1)(np.asarray(layer.kernel)))
    bq = np.asarray(quantized_bits(4, 1, alpha=1)(np.asarray(layer.bias)))
    expected = np.asarray(quantized_relu(6, 2)(x.astype(np.float64) @ wq + bq))
    assert np.array_equal(np.asarray(layer(x)), expected)


def test_qdense_attributes_and_qkeras_conventions():
    given = quantized_bits(4, 0)
    layer = QDense(5, kernel_quantizer=given, bias_quantizer="quantized_bits(8,3,alpha=1)", use_bias=True)
    # QKeras' _set_trainable_parameter: alpha=None kernels learn a power-of-two scale per channel
    assert layer.kernel_quantizer is given and given.alpha is None
    assert str(layer.kernel_quantizer_internal) == "quantized_bits(4,0,1,alpha='auto_po2')"
    assert str(layer.bias_quantizer_internal) == "quantized_bits(8,3,0,alpha=1)"
    assert layer.activation is keras.activations.linear
    assert layer.get_quantizers() == [layer.kernel_quantizer_internal, layer.bias_quantizer_internal]
    # quantized weights get QKeras' default clip to ±max(1, q.max())
    assert (layer.kernel_constraint.min_value, layer.kernel_constraint.max_value) == (-1.0, 1.0)
    assert (layer.bias_constraint.min_value, layer.bias_constraint.max_value) == (-8.0, 8.0)
    layer.build((None, 3))
    assert layer.kernel.shape == (3, 5) and layer.bias.shape == (5,)
    assert layer.units == 5 and layer.use_bias

    plain = QDense(2, use_bias=False, activation="relu", kernel_constraint=keras.constraints.NonNeg())
    plain.build((None, 3))
    assert plain.bias is None and plain.bias_quantizer_internal is None and plain.kernel_quantizer_internal is None
    assert plain.activation is keras.activations.relu
    assert isinstance(plain.kernel_constraint, keras.constraints.NonNeg)
    assert plain.compute_output_shape((None, 7, 3)) == (None, 7, 2)
    assert plain(np.ones((2, 7, 3), dtype=np.float32)).shape == (2, 7, 2)


def test_qactivation_attributes():
    q = QActivation("quantized_relu(6,0)")
    assert isinstance(q.quantizer, quantized_relu) and q.activation is q.quantizer
    r = QActivation("relu")
    assert r.quantizer is None and r.activation is keras.activations.relu
    assert r.compute_output_shape((None, 3, 2)) == (None, 3, 2)
    obj = quantized_bits(8, 3)
    assert str(QActivation(obj).quantizer) == str(obj)
    assert np.asarray(q(np.array([[0.3, -1.0, 2.0]], dtype=np.float32))).tolist() == [[0.296875, 0.0, 0.984375]]
    with pytest.raises(ValueError, match="needs an activation"):
        QActivation(None)
    with pytest.raises(ValueError, match="known quantizers"):
        QActivation("quantized_foo(3)")


def test_gradients_flow_to_weights_and_inputs():
    layer = QDense(4, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1),
                   activation=quantized_relu(6, 0), bias_initializer="ones")
    act = QActivation(quantized_bits(8, 3))
    x = tf.Variable(np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(act(x)))
    grads = tape.gradient(loss, [layer.kernel, layer.bias, x])
    assert all(g is not None and np.any(np.asarray(g) != 0) for g in grads)


@pytest.mark.parametrize("make", [
    lambda: QDense(3, kernel_quantizer="quantized_bits(4,0)", bias_quantizer=quantized_bits(5, 1, alpha=1),
                   activation=quantized_relu(4, 1), name="d"),
    lambda: QDense(3, activation="softmax", use_bias=False, name="d"),
    lambda: QActivation("quantized_bits(6,2,1)", name="a"),
    lambda: QActivation("tanh", name="a"),
])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    for key in ("kernel_quantizer", "bias_quantizer"):
        assert config.get(key) is None or config[key]["registered_name"].startswith("hwq>")
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(4, 3)
    layer.build((None, 3))
    clone.build((None, 3))
    clone.set_weights(layer.get_weights())
    assert np.array_equal(np.asarray(layer(x)), np.asarray(clone(x)))


def test_clip_constraint():
    clip = Clip(-1.0, 1.0)
    assert np.asarray(clip(np.array([-2.0, 0.5, 3.0], dtype=np.float32))).tolist() == [-1.0, 0.5, 1.0]
    restored = keras.constraints.get(keras.constraints.serialize(clip))
    assert isinstance(restored, Clip) and restored.get_config() == clip.get_config()
