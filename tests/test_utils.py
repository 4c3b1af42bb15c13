"""hwq.utils: QKeras' model utilities (model_quantize, model_save_quantized_weights, load_qmodel,
quantized_model_from_json, print_qstats, QNoiseScheduler) on hwq models."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

import hwq
import hwq.layers
from hwq.layers import QActivation, QDense
from hwq.loading import ModelLoadError, load_qkeras
from hwq.loading.h5_weights import read_legacy_weights
from hwq.quantizers import quantized_bits, quantized_po2, quantized_relu
from hwq.utils import (
    QNoiseScheduler,
    load_qmodel,
    model_quantize,
    model_save_quantized_weights,
    print_qstats,
    quantized_model_from_json,
)

MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "models"
needs_models = pytest.mark.skipif(not MODELS.is_dir(), reason=f"the shared QKeras models are not at {MODELS}")


def float_model() -> keras.Model:
    inp = keras.Input((8,), name="x")
    x = keras.layers.Dense(6, activation="relu", name="d1")(inp)
    x = keras.layers.Dense(5, activation="tanh", name="d2")(x)
    x = keras.layers.Dense(4, name="d3")(x)
    x = keras.layers.Activation("relu", name="act")(x)
    x = keras.layers.Activation("softmax", name="sm")(x)
    model = keras.Model(inp, x, name="float_mlp")
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.4, w.shape).astype(np.float32) for w in model.get_weights()])
    return model


QCONFIG = {
    "d1": {"kernel_quantizer": "quantized_bits(4,0,1,alpha=1)", "bias_quantizer": "quantized_bits(4,0,1,alpha=1)"},
    "QDense": {"kernel_quantizer": "quantized_bits(8,0,1,alpha=1)", "bias_quantizer": "quantized_bits(8,2,1,alpha=1)"},
    "d3": {"kernel_quantizer": "quantized_po2(4,1)", "bias_quantizer": "quantized_bits(6,1,1,alpha=1)",
           "activation_quantizer": "quantized_bits(10,3,alpha=1)"},
    "QActivation": {"relu": "quantized_relu(4,1)"},
}


# -- model_quantize ---------------------------------------------------------------------------------------------


def test_model_quantize_replaces_layers_by_name_then_class_and_carries_the_weights():
    model = float_model()
    qmodel = model_quantize(model, QCONFIG, activation_bits=5, transfer_weights=True)
    kinds = {layer.name: type(layer).__name__ for layer in qmodel.layers}
    assert kinds == {"x": "InputLayer", "d1": "QDense", "d2": "QDense", "d3": "QDense", "act": "QActivation",
                     "sm": "Activation"}  # softmax has no entry in the QActivation dict: left alone
    d1, d2, d3 = (qmodel.get_layer(n) for n in ("d1", "d2", "d3"))
    assert str(d1.kernel_quantizer_internal) == "quantized_bits(4,0,1,alpha=1)"  # by name
    assert str(d2.kernel_quantizer_internal) == "quantized_bits(8,0,1,alpha=1)"  # by class
    assert str(d1.activation) == "quantized_relu(5,0)" and str(d2.activation) == "quantized_tanh(5)"
    assert str(d3.activation) == "quantized_bits(10,3,0,alpha=1)"  # activation_quantizer wins
    assert str(qmodel.get_layer("act").quantizer) == "quantized_relu(4,1)"
    for name in ("d1", "d2", "d3"):
        for w, qw in zip(model.get_layer(name).get_weights(), qmodel.get_layer(name).get_weights(), strict=True):
            np.testing.assert_array_equal(w, qw)


def test_model_quantize_output_equals_the_same_model_built_by_hand():
    model = float_model()
    qmodel = model_quantize(model, QCONFIG, activation_bits=5, transfer_weights=True)
    by_hand = keras.Sequential([
        keras.Input((8,)),
        QDense(6, kernel_quantizer=quantized_bits(4, 0, 1, alpha=1), bias_quantizer=quantized_bits(4, 0, 1, alpha=1),
               activation=quantized_relu(5)),
        QDense(5, kernel_quantizer=quantized_bits(8, 0, 1, alpha=1), bias_quantizer=quantized_bits(8, 2, 1, alpha=1),
               activation="quantized_tanh(5)"),
        QDense(4, kernel_quantizer=quantized_po2(4, 1), bias_quantizer=quantized_bits(6, 1, 1, alpha=1),
               activation=quantized_bits(10, 3, alpha=1)),
        QActivation(quantized_relu(4, 1)),
        keras.layers.Activation("softmax"),
    ])
    by_hand.set_weights(model.get_weights())
    x = np.random.default_rng(1).normal(0, 2, (500, 8)).astype(np.float32)
    np.testing.assert_array_equal(qmodel.predict(x, verbose=0), by_hand.predict(x, verbose=0))


def test_model_quantize_leaves_unconfigured_layers_float():
    qmodel = model_quantize(float_model(), {"d2": {"kernel_quantizer": "quantized_bits(4,0,1)"}}, activation_bits=4)
    assert [type(layer).__name__ for layer in qmodel.layers[1:4]] == ["Dense", "QDense", "Dense"]
    assert qmodel.get_layer("d2").bias_quantizer_internal is None


def test_model_quantize_names_the_layer_when_hwq_lacks_the_class(monkeypatch):
    monkeypatch.delattr(hwq.layers, "QAdaptiveActivation", raising=False)
    with pytest.raises(ModelLoadError, match=r"layer 'act' \(Activation\).*QAdaptiveActivation"):
        model_quantize(float_model(), {"QAdaptiveActivation": "quantized_relu(4)"}, 4,
                       prefer_qadaptiveactivation=True)


@pytest.mark.skipif(not hasattr(hwq.layers, "QAdaptiveActivation"), reason="hwq.layers has no QAdaptiveActivation yet")
def test_model_quantize_prefers_adaptive_activations_when_asked():
    qmodel = model_quantize(float_model(), {"QAdaptiveActivation": "quantized_relu(4)"}, 4,
                            prefer_qadaptiveactivation=True)
    act = qmodel.get_layer("act")
    assert type(act).__name__ == "QAdaptiveActivation" and act.total_bits == 4
    assert type(qmodel.get_layer("sm")).__name__ == "QAdaptiveActivation"  # a plain string applies to every one


@pytest.mark.skipif(not hasattr(hwq.layers, "QConv2D"), reason="hwq.layers has no QConv2D yet")
def test_model_quantize_convolutions():
    model = keras.Sequential([keras.Input((8, 8, 2)), keras.layers.Conv2D(3, 3, activation="relu", name="c"),
                              keras.layers.Flatten(), keras.layers.Dense(2, name="d")])
    weights = {"kernel_quantizer": "quantized_bits(6,0,1,alpha=1)", "bias_quantizer": "quantized_bits(6,0,1)"}
    qconfig = {"QConv2D": weights, "QDense": weights}
    qmodel = model_quantize(model, qconfig, 6, transfer_weights=True)
    assert type(qmodel.get_layer("c")).__name__ == "QConv2D"
    assert str(qmodel.get_layer("c").activation) == "quantized_relu(6,0)"
    np.testing.assert_array_equal(qmodel.get_layer("c").get_weights()[0], model.get_layer("c").get_weights()[0])


# -- model_save_quantized_weights -----------------------------------------------------------------------------


def quantized_mlp() -> keras.Model:
    model = keras.Sequential([
        keras.Input((6,)),
        QDense(5, kernel_quantizer=quantized_bits(4, 0, 1, alpha=1), bias_quantizer=quantized_bits(4, 0, 1, alpha=1),
               activation=quantized_relu(4, 1), name="fixed"),
        QDense(4, kernel_quantizer=quantized_po2(4, 1), bias_quantizer=quantized_bits(6, 0, 1, alpha=1), name="po2"),
        QDense(3, kernel_quantizer=quantized_bits(4, 0, 1), bias_quantizer=quantized_bits(6, 0, 1, alpha=1),
               name="auto"),
        keras.layers.Dense(2, name="plain"),
    ], name="qmlp")
    rng = np.random.default_rng(2)
    model.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def test_model_save_quantized_weights_returns_hardware_forms_and_quantizes_in_place(capsys):
    model = quantized_mlp()
    before = {layer.name: layer.get_weights() for layer in model.layers}
    expected = {}
    for layer in model.layers[:3]:
        expected[layer.name] = [np.asarray(q.copy()(w)) for q, w in zip(layer.get_quantizers(), before[layer.name],
                                                                          strict=True)]
    saved = model_save_quantized_weights(model)
    assert "plain has not been quantized" in capsys.readouterr().out
    assert set(saved) == {"fixed", "po2", "auto"}
    for name, values in expected.items():  # the model now holds the quantized weights
        for got, want in zip(model.get_layer(name).get_weights(), values, strict=True):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(saved["fixed"]["weights"][0], expected["fixed"][0])
    # power of two: exponents and signs
    po2 = saved["po2"]
    np.testing.assert_array_equal(po2["signs"][0] * 2.0 ** po2["weights"][0], expected["po2"][0])
    # auto_po2: integers (at most 7 in magnitude for 4 signed bits) times per-channel power-of-two steps
    auto = saved["auto"]
    ints, steps = auto["weights"][0], auto["scales"][0]
    assert np.array_equal(ints, np.round(ints)) and np.abs(ints).max() <= 7
    assert np.array_equal(np.log2(steps), np.round(np.log2(steps))) and steps.shape == (1, 3)
    np.testing.assert_array_equal(ints * steps, expected["auto"][0])
    np.testing.assert_array_equal(model.get_layer("plain").get_weights()[0], before["plain"][0])


def test_model_save_quantized_weights_writes_keras3_and_tf_keras2_files(tmp_path):
    model = quantized_mlp()
    model_save_quantized_weights(model, tmp_path / "q.weights.h5")
    fresh = quantized_mlp()
    fresh.load_weights(tmp_path / "q.weights.h5")
    for a, b in zip(model.get_weights(), fresh.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    model_save_quantized_weights(model, tmp_path / "q.h5")  # QKeras users' name: tf.keras 2's layout
    legacy = read_legacy_weights(tmp_path / "q.h5")
    assert [n for n, _ in legacy["fixed"]] == ["fixed/kernel:0", "fixed/bias:0"]
    np.testing.assert_array_equal(legacy["po2"][0][1], model.get_layer("po2").kernel.numpy())


# -- load_qmodel, quantized_model_from_json ------------------------------------------------------------------


def test_load_qmodel_and_json_round_trip_an_hwq_model(tmp_path):
    model = quantized_mlp()
    model.save(tmp_path / "q.keras")
    loaded = load_qmodel(tmp_path / "q.keras")
    rebuilt = quantized_model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    x = np.random.default_rng(3).normal(size=(100, 6)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0))


@needs_models
def test_quantized_model_from_json_reads_keras2_and_qkeras_v3_json():
    legacy = quantized_model_from_json((MODELS / "qkeras_3layer.json").read_text())
    with zipfile.ZipFile(MODELS / "qkeras-v3_3layer.keras") as archive:
        v3 = quantized_model_from_json(archive.read("config.json").decode())
    for model in (legacy, v3):
        assert [type(layer).__name__ for layer in model.layers][:2] == ["QDense", "QActivation"]
        assert str(model.get_layer("fc1").kernel_quantizer_internal) == "quantized_bits(6,0,0,alpha=1)"
    assert load_qmodel(MODELS / "qkeras-v3_3layer.keras").count_params() == 4389


def test_quantized_model_from_json_names_a_bad_field():
    config = json.loads(quantized_mlp().to_json())
    config["config"]["layers"][1]["config"]["kernel_quantizer"] = "quantized_bitz(4)"
    with pytest.raises(Exception, match="quantized_bitz"):
        quantized_model_from_json(json.dumps(config))


# -- print_qstats -------------------------------------------------------------------------------------------------


def printed(model) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_qstats(model)
    return out.getvalue()


def np_quantized_bits(x, bits, integer):
    m = 2.0 ** (bits - 1)
    return 2.0 ** integer * np.clip(np.round(x * m / 2.0 ** integer), -m, m - 1) / m


@needs_models
def test_print_qstats_of_the_jet_tagger_in_qkeras_format():
    model = load_qkeras(MODELS / "qkeras_3layer.json", MODELS / "qkeras_3layer_weights.h5")
    sparsity = {}
    for name in ("fc1", "fc2", "fc3", "output"):
        layer = model.get_layer(name)
        values = np.concatenate([np_quantized_bits(np.asarray(w, np.float64), 6, 0).ravel() for w in layer.weights])
        sparsity[name] = values
    total = np.mean(np.concatenate(list(sparsity.values())) == 0)
    # the model input counts as 8-bit unsigned (QKeras' assumption); relu outputs are 6-bit unsigned
    expected = "\n".join([
        "",
        "Number of operations in model:",
        "    fc1                           : 1024  (smult_6_8)",
        "    fc2                           : 2048  (smult_6_6)",
        "    fc3                           : 1024  (smult_6_6)",
        "    output                        : 160   (smult_6_6)",
        "",
        "Number of operation types in model:",
        "    smult_6_6                     : 3232",
        "    smult_6_8                     : 1024",
        "",
        "Weight profiling:",
        "    fc1_weights                    : 1024  (6-bit unit)",
        "    fc1_bias                       : 64    (6-bit unit)",
        "    fc2_weights                    : 2048  (6-bit unit)",
        "    fc2_bias                       : 32    (6-bit unit)",
        "    fc3_weights                    : 1024  (6-bit unit)",
        "    fc3_bias                       : 32    (6-bit unit)",
        "    output_weights                 : 160   (6-bit unit)",
        "    output_bias                    : 5     (6-bit unit)",
        "    ----------------------------------------",
        f"    Total Bits                     : {6 * 4389}",
        "",
        "Weight sparsity:",
        *[f"    {name:30} : {np.mean(v == 0):.4f}" for name, v in sparsity.items()],
        "    ----------------------------------------",
        f"    Total Sparsity                 : {total:.4f}",
        "",
    ])
    weights_before = model.get_weights()
    assert printed(model) == expected
    for a, b in zip(weights_before, model.get_weights(), strict=True):  # print_qstats leaves the model alone
        np.testing.assert_array_equal(a, b)


@needs_models
def test_print_qstats_names_shift_operations_of_po2_weights():
    model = load_qkeras(MODELS / "qkeras_mnist_dense.json", MODELS / "qkeras_mnist_dense_weights.h5")
    text = printed(model)
    assert "    q_dense_2                     : 15680 (sbarrel_4_2)" in text  # po2 weights x quantized_relu(2)
    assert "    q_dense_3                     : 200   (smult_4_3)" in text
    assert "    q_dense_2_weights              : 15680 (4-bit unit)" in text
    assert "    q_dense_2_bias                 : 20    (2-bit unit)" in text


# -- QNoiseScheduler -------------------------------------------------------------------------------------------


def test_qnoise_schedule_values():
    s = QNoiseScheduler(start=2, finish=6, exponent=3.0)
    assert [s.calculate_qnoise_factor(t) for t in (0, 1, 2, 4, 6, 9)] == [0.0, 0.0, 0.0, 1 - 0.5 ** 3, 1.0, 1.0]
    assert QNoiseScheduler(3, 3).calculate_qnoise_factor(3) == 1.0
    with pytest.raises(ValueError, match="start"):
        QNoiseScheduler(5, 2)
    with pytest.raises(ValueError, match="freq_type"):
        QNoiseScheduler(0, 2, freq_type="batch")


class Recorder(keras.callbacks.Callback):
    def __init__(self, quantizer_of):
        super().__init__()
        self.quantizer_of = quantizer_of
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(float(np.asarray(self.quantizer_of(self.model).qnoise_factor)))


def test_qnoise_scheduler_fades_noise_in_and_leaves_a_lowerable_model():
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((4,)), QActivation(quantized_bits(8, 3, alpha=1), name="in_q"),
                              QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1),
                                     bias_quantizer=quantized_bits(6, 0, alpha=1), activation=quantized_relu(6, 0),
                                     name="fc")])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(5).normal(size=(64, 4)).astype(np.float32)
    y = np.random.default_rng(6).uniform(size=(64, 3)).astype(np.float32)
    scheduler = QNoiseScheduler(start=0, finish=2, freq_type="epoch")
    recorder = Recorder(lambda m: m.get_layer("fc").kernel_quantizer_internal)
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[scheduler, recorder])
    assert recorder.seen == [0.0, 1 - 0.5 ** 3, 1.0]
    assert model.get_layer("fc").kernel_quantizer_internal.qnoise_factor == 1.0  # a plain float again
    graph = hwq.lower(model)
    np.testing.assert_array_equal(graph.simulate(x), model.predict(x, verbose=0).astype(np.float64))


def test_model_quantize_folds_batch_normalization_into_the_convolutions_before_it():
    inp = keras.Input((6, 6, 2), name="x")
    x = keras.layers.Conv2D(3, 3, name="conv")(inp)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.Activation("relu", name="relu")(x)
    x = keras.layers.DepthwiseConv2D(3, name="dw")(x)
    x = keras.layers.BatchNormalization(name="dw_bn")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = keras.layers.Dense(2, name="out")(x)
    model = keras.Model(inp, x)
    config = {"QConv2DBatchnorm": {"kernel_quantizer": "quantized_bits(4,0,1,alpha=1)",
                                   "bias_quantizer": "quantized_bits(8,3,1,alpha=1)",
                                   "folding_mode": "batch_stats_folding", "ema_freeze_delay": 10},
              "QDepthwiseConv2D": {"depthwise_quantizer": "quantized_bits(4,0,1,alpha=1)",
                                   "bias_quantizer": "quantized_bits(8,3,1,alpha=1)"},
              "QDense": {"kernel_quantizer": "quantized_bits(6,0,1,alpha=1)",
                         "bias_quantizer": "quantized_bits(6,0,1,alpha=1)"}}
    qmodel = model_quantize(model, config, 4, transfer_weights=True, enable_bn_folding=True)
    kinds = {layer.name: type(layer).__name__ for layer in qmodel.layers}
    assert kinds == {"x": "InputLayer", "conv": "QConv2DBatchnorm", "relu": "Activation",
                     "dw": "QDepthwiseConv2DBatchnorm", "flat": "Flatten", "out": "QDense"}
    conv, dw = qmodel.get_layer("conv"), qmodel.get_layer("dw")
    assert str(conv.kernel_quantizer_internal) == str(hwq.quantizers.quantized_bits(4, 0, 1, alpha=1))
    assert conv.folding_mode == "batch_stats_folding" and conv.ema_freeze_delay == 10
    assert dw.depthwise_quantizer_internal is not None and dw.use_bias
    assert np.array_equal(qmodel.get_layer("out").kernel.numpy(), model.get_layer("out").kernel.numpy())
    qmodel.predict(np.zeros((1, 6, 6, 2), np.float32), verbose=0)


@pytest.mark.parametrize("rnn", ["SimpleRNN", "LSTM", "GRU"])
def test_model_quantize_converts_recurrent_layers_and_their_bidirectional_wrapper(rnn):
    q4, state = "quantized_bits(4,0,1,alpha=1)", "quantized_bits(6,2,1,alpha=1)"
    entries = {"kernel_quantizer": q4, "recurrent_quantizer": q4, "bias_quantizer": q4, "state_quantizer": state,
               "activation_quantizer": "quantized_tanh(6)", "recurrent_activation_quantizer": "hard_sigmoid"}
    x = keras.Input((5, 2))
    plain = keras.Model(x, getattr(keras.layers, rnn)(3, name="rnn")(x))
    layer = model_quantize(plain, {f"Q{rnn}": entries}, 4, transfer_weights=True).get_layer("rnn")
    assert type(layer).__name__ == f"Q{rnn}"
    assert str(layer.cell.state_quantizer_internal) == str(hwq.quantizers.quantized_bits(6, 2, 1, alpha=1))
    assert str(layer.cell.activation) == "quantized_tanh(6)"
    wrapped = keras.Model(x, keras.layers.Bidirectional(getattr(keras.layers, rnn)(3), name="bi")(x))
    qmodel = model_quantize(wrapped, {"QBidirectional": entries}, 4, transfer_weights=True)
    bi = qmodel.get_layer("bi")
    assert type(bi).__name__ == "QBidirectional" and type(bi.forward_layer).__name__ == f"Q{rnn}"
    assert str(bi.backward_layer.cell.kernel_quantizer_internal) == str(hwq.quantizers.quantized_bits(4, 0, 1, alpha=1))
    seq = np.random.default_rng(0).normal(size=(4, 5, 2)).astype(np.float32)
    assert qmodel.predict(seq, verbose=0).shape == (4, 6)


def test_model_quantize_takes_a_functional_models_batch_normalization():
    x = keras.Input((4,))
    model = keras.Model(x, keras.layers.BatchNormalization(name="bn")(keras.layers.Dense(3, name="fc")(x)))
    qmodel = model_quantize(model, {"bn": {}}, 4)
    assert type(qmodel.get_layer("bn")).__name__ == "QBatchNormalization"
    qmodel.predict(np.zeros((2, 4), np.float32), verbose=0)
