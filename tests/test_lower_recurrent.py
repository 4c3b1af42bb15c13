"""Recurrent layers into the flow: QSimpleRNN, QGRU, QLSTM and QBidirectional over sequences of 8-20 steps, each a
loop over time in the IR (kept a loop by HLS, unrolled for Verilog), equal across Keras, simulate, both C
simulations and Verilog (0 mismatches); what cannot be lowered is refused naming the layer.

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
@pytest.mark.parametrize("kind", ["simple_sequences_backwards", "bidirectional_simple_sum", "lstm_sequences",
                                  "gru_reset_after_sequences"])
def test_keras_simulate_vitis_catapult_and_verilog_agree(kind: str, tmp_path) -> None:
    """The four-way proof (hwq.verify) of a QSimpleRNN, a QBidirectional, a QLSTM and a QGRU: the HLS designs keep
    their loops over time, the Verilog computes every step."""
    model, graph, x, _ = _lowered(kind)
    from hwq.verify import verify

    result = verify(model, data=x, input_type="ap_fixed<6,3>", workdir=tmp_path)
    assert result.passed, result.table()
    assert {c.target for c in result.checks} >= {"keras", "vitis", "catapult", "verilog"}


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


# -- the loop over time: one recurrence node, kept a loop by HLS, unrolled for Verilog ------------------------------

def _recurrences(graph: hwq.Graph) -> list:
    return [n for n in graph.nodes if n.op == "recurrence"]


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_each_direction_is_one_loop_equal_to_its_unrolled_steps(kind: str) -> None:
    import copy

    from hwq.passes.unroll import unroll_recurrences

    _, graph, x, y = _lowered(kind)
    assert len(_recurrences(graph)) == (2 if kind.startswith("bidirectional") else 1)
    unrolled = unroll_recurrences(copy.deepcopy(graph)).validate()
    assert not _recurrences(unrolled) and len(unrolled.nodes) > len(graph.nodes)
    assert np.array_equal(unrolled.simulate(x), y)
    assert np.array_equal(hwq.Graph.from_json(graph.to_json()).simulate(x), y)  # the body travels in the JSON


def test_a_carried_state_keeps_one_type() -> None:
    from dataclasses import replace

    from hwq.fixed import FixedType
    from hwq.ir import IRError

    _, graph, _, _ = _lowered("lstm")
    body = _recurrences(graph)[0].attrs["body"]
    body.inputs[2] = replace(body.inputs[2], type=FixedType(20, 6))
    with pytest.raises(IRError, match="keeps one type"):
        graph.validate()


def test_hls_keeps_the_loop_over_time_and_pipelines_its_body(tmp_path) -> None:
    _, graph, _, _ = _lowered("simple_sequences_backwards")
    vitis = (hwq.emit(graph, tmp_path / "v", backend="vitis").path / "firmware" / f"{graph.name}.cpp").read_text()
    loop = vitis.index("for (int hwq_t = 0; hwq_t < 12; hwq_t++) {")
    assert vitis.count("#pragma HLS PIPELINE") == 1  # in the loop, not on the top (which would unroll it)
    assert vitis.index("#pragma HLS PIPELINE II=1") > loop
    assert "[11 - hwq_t]" in vitis  # go_backwards reads the last row first
    catapult = (hwq.emit(graph, tmp_path / "c", backend="catapult").path / "firmware" / f"{graph.name}.cpp") \
        .read_text()
    pipelined = catapult.index("#pragma hls_pipeline_init_interval 1")
    assert catapult.count("#pragma hls_pipeline_init_interval") == 1
    assert catapult.index("for (int hwq_t = 0; hwq_t < 12; hwq_t++) {") > pipelined > catapult.index("void ")


def test_a_state_that_never_settles_is_unrolled(tmp_path) -> None:
    x = keras.Input((8, 2), name="x")
    # linear, no state quantizer: h = x @ K + h @ R + b gains integer and fraction bits at every step
    layer = QSimpleRNN(2, activation=None, kernel_quantizer=W, recurrent_quantizer=W, bias_quantizer=W)
    model = keras.Model(x, layer(x))
    rng = np.random.default_rng(5)
    for w in model.weights:
        w.assign(rng.uniform(-1, 1, size=w.shape).astype(np.float32))
    graph = hwq.lower(model, input_type="ap_fixed<6,3>")
    assert not _recurrences(graph)
    xs = rng.uniform(-4, 4, (200, 8, 2))
    y = graph.simulate(xs)
    assert np.array_equal(hwq.emit(graph, tmp_path / "v", backend="vitis").predict(xs), y)
    # the last step's state needs 45 bits, past float32: Keras rounds it, so the proof is simulate == the C-sim
    assert graph.output.type.width > 24 and not graph.meta["notes"]["keras_float32_exact"]


def test_a_long_sequence_keeps_its_loop_under_io_auto() -> None:
    from hwq.passes.schedule import STREAM_AUTO_ELEMENTS, choose_io

    x = keras.Input((STREAM_AUTO_ELEMENTS // 2, 4), name="x")  # large enough to stream, were it an image
    model = keras.Model(x, QSimpleRNN(2, activation=T, **Q)(x))
    graph = hwq.lower(model, input_type="ap_fixed<6,3>")
    assert graph.inputs[0].size >= STREAM_AUTO_ELEMENTS and choose_io(graph) == "parallel"
