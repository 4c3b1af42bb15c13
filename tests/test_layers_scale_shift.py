"""QScaleShift (QKeras' qmac): one quantized weight and bias over a whole tensor, trained, saved, lowered to an
affine node and equal across Keras, simulate and both C simulations."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import hwq
from hwq import load_model
from hwq.fixed import quantize, to_float
from hwq.frontend import UnsupportedLayerError
from hwq.layers import QDense, QScaleShift
from hwq.qkeras.qmac import QScaleShift as QKerasName
from hwq.quantizers import quantized_bits


def _model(activation="quantized_relu(6,2)", **kw) -> keras.Model:
    x = x_in = keras.Input((5,), name="x")
    x = QDense(4, kernel_quantizer=quantized_bits(4, 0, alpha=1), bias_quantizer=quantized_bits(4, 0, alpha=1),
               name="fc")(x)
    kw = {"weight_quantizer": quantized_bits(4, 2, alpha=1), "bias_quantizer": quantized_bits(4, 1, alpha=1), **kw}
    x = QScaleShift(activation=activation, name="ss", **kw)(x)
    model = keras.Model(x_in, x)
    rng = np.random.default_rng(0)
    model.get_layer("fc").set_weights([rng.uniform(-1, 1, (5, 4)), rng.uniform(-1, 1, 4)])
    model.get_layer("ss").set_weights([np.array([[-1.5]]), np.array([[0.75]])])
    return model


def _inputs(graph: hwq.Graph, n: int = 500) -> np.ndarray:
    v = graph.inputs[0]
    return to_float(quantize(np.random.default_rng(1).uniform(-6, 6, (n, *v.shape)), v.type), v.type)


def test_one_weight_and_bias_for_every_element() -> None:
    layer = QScaleShift(weight_quantizer=quantized_bits(4, 2, alpha=1), bias_quantizer=quantized_bits(4, 1, alpha=1))
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2) / 4
    layer.build(x.shape)
    layer.set_weights([np.array([[1.3]]), np.array([[-0.3]])])
    want = x * float(quantized_bits(4, 2, alpha=1)(np.float32(1.3))) + float(quantized_bits(4, 1, alpha=1)(-0.3))
    assert np.array_equal(np.asarray(layer(x)), want.astype(np.float32))
    assert QKerasName is QScaleShift and layer.weight.shape == (1, 1)


def test_save_and_load(tmp_path) -> None:
    model = _model()
    model.save(tmp_path / "m.keras")
    x = np.random.default_rng(2).normal(size=(20, 5)).astype(np.float32)
    assert np.array_equal(load_model(tmp_path / "m.keras").predict(x, verbose=0), model.predict(x, verbose=0))


def test_lowered_equal_to_keras_and_the_c_simulations(tmp_path) -> None:
    model = _model()
    graph = hwq.lower(model, input_type="ap_fixed<8,3>")
    assert graph.node("ss").op == "affine"
    x = _inputs(graph)
    want = np.asarray(model.predict(x, verbose=0), dtype=np.float64)
    assert np.array_equal(graph.simulate(x), want)
    for backend in ("vitis", "catapult"):
        prj = hwq.emit(graph, tmp_path / backend, backend=backend)
        assert np.array_equal(prj.predict(x), want), backend


def test_without_a_weight_quantizer_it_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedLayerError, match=r"'ss'.*weight_quantizer"):
        hwq.lower(_model(weight_quantizer=None), input_type="ap_fixed<8,3>")
