"""QKeras' utils helpers hwq now has: convert_to_folded_model (the batch normalizations a folding would absorb,
taken out of a copy of the model), and model_quantize's public internals quantize_activation and get_config."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import hwq.utils
from hwq.layers import QConv2D
from hwq.qkeras import utils as qutils
from hwq.quantizers import get_quantizer, quantized_bits
from hwq.utils.quantize_helpers import get_config, quantize_activation

L = keras.layers


def _random_weights(model: keras.Model, seed: int = 0) -> keras.Model:
    rng = np.random.default_rng(seed)
    for w in model.weights:
        positive = "variance" in w.path or "gamma" in w.path
        w.assign((rng.uniform(0.5, 1.5, w.shape) if positive else rng.normal(0, 0.5, w.shape)).astype(np.float32))
    return model


def _branchy_model() -> keras.Model:
    """Conv2D->BN (folded), DepthwiseConv2D->BN whose output is also a model output (folded), and four pairs that
    must stay: a convolution with an activation, a normalization over another axis, a convolution read by two
    layers, and a QConv2D (QKeras folds only the float classes)."""
    x_in = keras.Input((8, 8, 2), name="inp")
    a = L.BatchNormalization(name="bn_a")(L.Conv2D(3, 3, name="conv_a")(x_in))
    a = L.ReLU(name="relu_a")(a)
    b = L.BatchNormalization(name="bn_b")(L.DepthwiseConv2D(3, name="dw_b")(a))
    c = L.BatchNormalization(name="bn_c")(L.Conv2D(3, 1, activation="relu", name="conv_c")(b))
    d = L.BatchNormalization(axis=1, name="bn_d")(L.Conv2D(3, 1, name="conv_d")(c))
    e_conv = L.Conv2D(3, 1, name="conv_e")(d)
    e = L.Add(name="add_e")([L.BatchNormalization(name="bn_e")(e_conv), e_conv])
    f = L.BatchNormalization(name="bn_f")(QConv2D(3, 1, kernel_quantizer=quantized_bits(4, 0, alpha=1),
                                                  name="qconv_f")(e))
    out = L.Flatten(name="flat")(f)
    return _random_weights(keras.Model(x_in, [out, b], name="branchy"))


def _by_hand_without_folded_normalizations(model: keras.Model) -> keras.Model:
    """The same graph written out without bn_a and bn_b, sharing the original layers (so their weights)."""
    g = model.get_layer
    x_in = keras.Input((8, 8, 2))
    a = g("relu_a")(g("conv_a")(x_in))
    b = g("dw_b")(a)
    c = g("bn_c")(g("conv_c")(b))
    d = g("bn_d")(g("conv_d")(c))
    e_conv = g("conv_e")(d)
    e = g("add_e")([g("bn_e")(e_conv), e_conv])
    f = g("bn_f")(g("qconv_f")(e))
    return keras.Model(x_in, [g("flat")(f), b])


def test_functional_model_loses_the_normalizations_qkeras_would_fold() -> None:
    model = _branchy_model()
    folded, names = qutils.convert_to_folded_model(model)
    assert names == ["conv_a", "dw_b"]
    kept = [layer.name for layer in folded.layers]
    assert "bn_a" not in kept and "bn_b" not in kept
    assert {"bn_c", "bn_d", "bn_e", "bn_f"} <= set(kept)
    assert "bn_a" in [layer.name for layer in model.layers]  # the model itself is left as it was
    x = np.random.default_rng(1).normal(size=(4, 8, 8, 2)).astype(np.float32)
    for got, want in zip(folded.predict(x, verbose=0), _by_hand_without_folded_normalizations(model).predict(
            x, verbose=0), strict=True):
        np.testing.assert_array_equal(got, want)


def test_sequential_model_and_the_kept_layers_weights() -> None:
    model = _random_weights(keras.Sequential([keras.Input((6, 6, 2)), L.Conv2D(3, 3, name="c"),
                                              L.BatchNormalization(name="b"), L.Flatten(name="f"),
                                              L.Dense(2, name="d"), L.BatchNormalization(name="bd")]))
    folded, names = qutils.convert_to_folded_model(model)
    assert names == ["c"] and isinstance(folded, keras.Sequential)
    assert [layer.name for layer in folded.layers] == ["c", "f", "d", "bd"]  # Dense is not folded, as in QKeras
    for layer in folded.layers:
        for got, want in zip(layer.get_weights(), model.get_layer(layer.name).get_weights(), strict=True):
            np.testing.assert_array_equal(got, want)


def test_a_model_without_pairs_comes_back_as_a_copy() -> None:
    model = _random_weights(keras.Sequential([keras.Input((4,)), L.Dense(3, name="d")]))
    folded, names = hwq.utils.convert_to_folded_model(model)
    assert names == [] and folded is not model
    np.testing.assert_array_equal(folded.get_layer("d").get_weights()[0], model.get_layer("d").get_weights()[0])


def test_a_model_without_layer_list_is_refused_by_name() -> None:
    class Sub(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match=r"model 'odd' \(Sub\).*layer list"):
        qutils.convert_to_folded_model(Sub(name="odd"))


# -- quantize_activation and get_config -------------------------------------------------------------------------

@pytest.mark.parametrize("activation, expected", [
    ("relu", "quantized_relu(4)"), ("tanh", "quantized_tanh(4)"), ("sigmoid", "quantized_sigmoid(4)"),
    ("linear", "linear"), ("softmax", "softmax"), (keras.activations.relu, "quantized_relu(4)"),
    ("quantized_relu(2,1)", "quantized_relu(2,1)"), (None, None)])
def test_quantize_activation_rewrites_relu_tanh_sigmoid_only(activation, expected) -> None:
    config = {"name": "d", "activation": activation}
    assert quantize_activation(config, 4) is None
    assert config == {"name": "d", "activation": expected}


def test_quantize_activation_adds_no_activation_where_there_was_none() -> None:
    config = {"name": "flat"}
    quantize_activation(config, 4)
    assert config == {"name": "flat"}


QCONFIG = {"fc1": {"kernel_quantizer": "quantized_bits(4,0,1)"},
           "QDense": {"kernel_quantizer": "quantized_bits(8,0,1)", "bias_quantizer": "quantized_bits(8,3,1)"},
           "QActivation": {"relu": "quantized_relu(4,0)"}, "act_2": "quantized_bits(6,2)"}


def test_get_config_looks_up_the_layer_name_before_its_class() -> None:
    fc1, fc2 = {"class_name": "Dense", "config": {"name": "fc1"}}, {"class_name": "Dense", "config": {"name": "fc2"}}
    assert get_config(QCONFIG, fc1, "QDense", "kernel_quantizer") == "quantized_bits(4,0,1)"
    assert get_config(QCONFIG, fc1, "QDense", "bias_quantizer") is None  # the name's entry wins, field or not
    assert get_config(QCONFIG, fc2, "QDense", "bias_quantizer") == "quantized_bits(8,3,1)"
    assert get_config(QCONFIG, fc2, "QDense") == QCONFIG["QDense"]
    act = {"class_name": "Activation", "config": {"name": "act_2"}}
    assert get_config(QCONFIG, act, "QActivation") == "quantized_bits(6,2)"
    assert get_config(QCONFIG, {"config": {"name": "conv"}}, "QConv2D", "kernel_quantizer") is None


def test_get_config_agrees_with_model_quantize() -> None:
    x_in = keras.Input((5,))
    h = L.Dense(4, name="fc1")(x_in)
    model = keras.Model(x_in, L.Dense(3, name="fc2")(L.Activation("relu", name="act")(h)))
    quantized = hwq.utils.model_quantize(model, QCONFIG, activation_bits=4)
    for name in ("fc1", "fc2"):
        entry = {"class_name": "Dense", "config": {"name": name}}
        expected = get_config(QCONFIG, entry, "QDense", "kernel_quantizer")
        given = quantized.get_layer(name).kernel_quantizer  # before QKeras' alpha=None -> 'auto_po2'
        assert str(get_quantizer(given)) == str(get_quantizer(expected))


def test_get_config_refuses_a_layer_that_is_not_a_serialized_layer() -> None:
    with pytest.raises(ValueError, match="serialized layer"):
        get_config(QCONFIG, "fc1", "QDense")


def test_qkeras_utils_offers_the_helpers() -> None:
    assert qutils.quantize_activation is quantize_activation and qutils.get_config is get_config
    assert qutils.convert_to_folded_model is hwq.utils.convert_to_folded_model
    assert {"convert_to_folded_model", "quantize_activation", "get_config"} <= set(qutils.__all__)
