"""Recurrent layers into the flow: QSimpleRNN, QGRU, QLSTM and QBidirectional over sequences of 8-20 steps, unrolled
by lower(), equal across Keras, simulate, both C simulations and Verilog (0 mismatches); what cannot be lowered
is refused naming the layer.

Weights, inputs and states are quantized (state_quantizer on), so Keras' float32 forward is exact and equality
is exact.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import hwq
from hwq.fixed import quantize, to_float
from hwq.frontend import UnsupportedLayerError
from hwq.layers import QGRU, QLSTM, QBidirectional, QSimpleRNN
from hwq.quantizers import quantized_bits, quantized_tanh

W = quantized_bits(4, 0, alpha=1)
S = quantized_bits(6, 2, alpha=1)
T = quantized_tanh(6)
Q = {"kernel_quantizer": W, "recurrent_quantizer": W, "bias_quantizer": W, "state_quantizer": S}

LAYERS = {
    "simple_sequences_backwards": (12, lambda: QSimpleRNN(3, activation=T, return_sequences=True, go_backwards=True,
                                                          **Q)),
    "simple_20_steps": (20, lambda: QSimpleRNN(2, activation=T, **Q)),
    "gru": (8, lambda: QGRU(3, activation=T, **Q)),
    "gru_reset_after_sequences": (8, lambda: QGRU(2, activation=T, reset_after=True, return_sequences=True, **Q)),
    "gru_no_bias": (8, lambda: QGRU(2, activation=T, use_bias=False, **Q)),
    "lstm": (8, lambda: QLSTM(3, activation=T, **Q)),
    "lstm_sequences": (10, lambda: QLSTM(2, activation=T, return_sequences=True, **Q)),
    "bidirectional_lstm_concat": (8, lambda: QBidirectional(QLSTM(2, activation=T, return_sequences=True, **Q))),
    "bidirectional_simple_sum": (9, lambda: QBidirectional(QSimpleRNN(2, activation=T, **Q), merge_mode="sum")),
}


def _model(kind: str) -> keras.Model:
    steps, make = LAYERS[kind]
    x = keras.Input((steps, 2), name="x")
    model = keras.Model(x, make()(x), name=kind)
    rng = np.random.default_rng(len(kind))
    for w in model.weights:
        w.assign(rng.uniform(-1, 1, size=w.shape).astype(np.float32))
    return model


def _lowered(kind: str) -> tuple[keras.Model, hwq.Graph, np.ndarray, np.ndarray]:
    model = _model(kind)
    graph = hwq.lower(model, input_type="ap_fixed<6,3>")
    v = graph.inputs[0]
    x = to_float(quantize(np.random.default_rng(2).uniform(-5, 5, (400, *v.shape)), v.type), v.type)
    return model, graph, x, graph.simulate(x)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_simulate_equals_keras(kind: str) -> None:
    model, graph, x, y = _lowered(kind)
    assert np.array_equal(y, np.asarray(model.predict(x, verbose=0), dtype=np.float64)), graph.summary()


@pytest.mark.parametrize("kind", ["simple_sequences_backwards", "gru_reset_after_sequences", "lstm",
                                  "bidirectional_lstm_concat"])
def test_c_simulations_equal_simulate(kind: str, tmp_path) -> None:
    _, graph, x, y = _lowered(kind)
    for backend in ("vitis", "catapult"):
        assert np.array_equal(hwq.emit(graph, tmp_path / backend, backend=backend).predict(x), y), backend


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
@pytest.mark.parametrize("kind", ["simple_sequences_backwards", "bidirectional_simple_sum", "lstm_sequences", "gru",
                                  "gru_reset_after_sequences"])
def test_verilog_equals_simulate(kind: str, tmp_path) -> None:
    _, graph, x, y = _lowered(kind)
    assert np.array_equal(hwq.emit(graph, tmp_path / "v", backend="verilog").predict(x), y)


@pytest.mark.parametrize("layer, message", [
    (QSimpleRNN(2, activation=T, stateful=True, **Q), "stateful"),
    (QSimpleRNN(2, activation=T, return_state=True, **Q), "returns 2 tensors"),
    (QLSTM(2, activation=T, kernel_quantizer=W, recurrent_quantizer=W, bias_quantizer=W), "state_quantizer"),
    (QSimpleRNN(2, activation=T, recurrent_quantizer=W, bias_quantizer=W, state_quantizer=S), "kernel_quantizer"),
])
def test_what_cannot_be_lowered_is_refused_by_name(layer, message: str) -> None:
    shape = {"batch_shape": (4, 6, 2)} if layer.stateful else {"shape": (6, 2)}
    x = keras.Input(**shape)
    out = layer(x)
    model = keras.Model(x, out[0] if isinstance(out, (list, tuple)) else out)
    with pytest.raises(UnsupportedLayerError, match=rf"'{layer.name}'.*{message}"):
        hwq.lower(model, input_type="ap_fixed<6,3>")
