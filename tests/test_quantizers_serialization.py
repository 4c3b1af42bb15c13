"""Config, string and Keras round trips of every quantizer, get_quantizer's forms, and a .keras save/load."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from hwq.layers import QActivation, QDense
from hwq.quantizers import (
    bernoulli,
    binary,
    binary_tanh,
    get_quantized_initializer,
    get_quantizer,
    get_weight_scale,
    hard_sigmoid,
    quantized_hswish,
    quantized_linear,
    quantized_po2,
    quantized_relu,
    quantized_relu_po2,
    quantized_sigmoid,
    quantized_tanh,
    quantized_ulaw,
    stochastic_binary,
    stochastic_ternary,
    ternary,
)

ROUND_TRIP = [
    quantized_linear(), quantized_linear(4, 1, 0, keep_negative=False, alpha="auto_po2", scale_axis=0),
    quantized_linear(6, 2, alpha=[0.5, 1.0], use_stochastic_rounding=True, qnoise_factor=0.5),
    quantized_po2(), quantized_po2(4, 1, True, True, "floor", 0.5, None, False),
    quantized_relu_po2(), quantized_relu_po2(5, 2.0, 0.25, log2_rounding="floor"),
    quantized_relu(4, 0, use_sigmoid=1, negative_slope=0.5),
    quantized_tanh(), quantized_tanh(4, True, True, True),
    quantized_sigmoid(), quantized_sigmoid(5, True, True, True),
    quantized_ulaw(), quantized_ulaw(6, 1, 1, 15.0),
    quantized_hswish(), quantized_hswish(6, 2, 1, alpha=0.5, relu_shift=2, relu_upper_bound=4),
    binary(), binary(True, "auto_po2", False, True, 1, 2, -4, 2), stochastic_binary(0.5, 4.0, False),
    ternary(), ternary(alpha=0.5, threshold=0.25), ternary("auto_po2", number_of_unrolls=3),
    stochastic_ternary("auto", None, 6.0, False, 2), bernoulli(), bernoulli("auto_po2", 3.0, False),
]


@pytest.mark.parametrize("q", ROUND_TRIP, ids=str)
def test_config_string_and_keras_round_trips(q):
    config = q.get_config()
    assert type(q).from_config(config).get_config() == config
    parsed = get_quantizer(str(q))
    assert type(parsed) is type(q) and parsed.get_config() == config, str(q)
    assert str(parsed) == str(q)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(q))
    assert type(restored) is type(q) and restored.get_config() == config
    assert get_quantizer({"class_name": type(q).__name__, "config": config}).get_config() == config


def test_qkeras_strings_parse():
    assert str(get_quantizer("quantized_po2(4,1)")) == "quantized_po2(4,1)"
    assert get_quantizer("ternary(alpha='auto_po2')").alpha == "auto_po2"
    assert get_quantizer("binary_tanh") is binary_tanh
    assert get_quantizer("hard_sigmoid") is hard_sigmoid
    assert get_quantizer("stochastic_ternary").temperature == 8.0


def test_weight_helpers():
    q = binary(alpha="auto_po2")
    assert get_weight_scale(q) == 1.0  # nothing computed yet
    q(np.float32([[1.0, -0.2], [-0.5, 0.6]]))
    np.testing.assert_array_equal(get_weight_scale(q, None), np.float32([[1.0, 0.5]]))
    init = get_quantized_initializer("glorot_uniform", 2.0)
    assert isinstance(init, keras.initializers.VarianceScaling) and init.get_config()["scale"] == 2.0
    assert get_quantized_initializer("he_normal", 1.5).get_config()["scale"] == 3.0
    assert get_quantized_initializer("random_uniform", 0.5).get_config()["maxval"] == 0.5
    assert get_quantized_initializer("zeros", 1.0) == "zeros"


def test_keras_file_round_trip(tmp_path):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([
        keras.Input((6,)),
        QActivation("quantized_tanh(6)", name="tanh_in"),
        QDense(5, kernel_quantizer=quantized_po2(5, 1), bias_quantizer=quantized_linear(8, 2), name="po2"),
        QActivation(quantized_relu_po2(4, 4), name="relu_po2"),
        QDense(4, kernel_quantizer=ternary(), bias_quantizer="quantized_bits(6,2,alpha=1)", name="tern"),
        QActivation(quantized_sigmoid(5), name="sig"),
        QDense(3, kernel_quantizer=binary(alpha="auto_po2"), use_bias=False, name="bin"),
        QActivation("binary_tanh", name="sign"),
        QDense(2, kernel_quantizer=bernoulli(), bias_quantizer=quantized_ulaw(6), name="bern"),
        QActivation(quantized_hswish(8, 3), name="hswish"),
    ])
    x = np.random.default_rng(0).normal(0, 1.5, size=(64, 6)).astype(np.float32)
    before = model.predict(x, verbose=0)
    path = tmp_path / "q.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), before)
    assert str(loaded.get_layer("po2").kernel_quantizer_internal) == "quantized_po2(5,1)"
    assert loaded.get_layer("sign").activation is binary_tanh
    # layers turn alpha=None kernels into per-channel power-of-two scales, as QKeras does
    assert loaded.get_layer("tern").kernel_quantizer_internal.alpha == "auto_po2"
