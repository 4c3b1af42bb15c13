"""hwq.load_qkeras on Keras 2 QKeras files with recurrent layers: QSimpleRNN, QLSTM, QGRU and QBidirectional.

QKeras 2 cannot run here, so the files are written the way tf.keras 2.x + QKeras write them: `model.to_json()`
holds each recurrent layer's config flat (QKeras' get_config: the RNN's fields without its cell, then the cell's
arguments and the four quantizers; tf.keras 2 adds `time_major`), a QBidirectional holds its layer as a nested
entry; `model.save_weights("x.h5")` stores an RNN's weights under "<layer>/<cell>/<weight>:0" (the cell's
generated name: q_simple_rnn_cell, qlstm_cell, qgru_cell), a Bidirectional's as the forward layer's weights, then
the backward layer's, under "<wrapper>/forward_<layer>/<cell>_<n>/...".

The loaded model's predictions must equal, value for value, those of the same model built with hwq's layers and
given the same weights; a QSimpleRNN is also checked against a numpy forward pass of QKeras' formulas.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

from hwq.layers import QGRU, QLSTM, QBidirectional, QSimpleRNN
from hwq.loading import ModelLoadError, load_qkeras
from hwq.quantizers import quantized_bits, quantized_sigmoid, quantized_tanh

STEPS, FEATURES = 6, 3


# -- the files, as tf.keras 2 + QKeras write them ----------------------------------------------------------------

def qb(bits: int, integer: int) -> dict:
    """quantized_bits(bits, integer, alpha=1) as QKeras serializes it."""
    return {"class_name": "quantized_bits", "config": {"bits": bits, "integer": integer, "symmetric": 0, "alpha": 1,
                                                        "keep_negative": True, "use_stochastic_rounding": False,
                                                        "qnoise_factor": 1.0}}


def qtanh(bits: int) -> dict:
    return {"class_name": "quantized_tanh", "config": {"bits": bits, "symmetric": False,
                                                        "use_stochastic_rounding": False, "use_real_tanh": False},
            "__passive_serialization__": True}


def qsigmoid(bits: int) -> dict:
    return {"class_name": "quantized_sigmoid", "config": {"bits": bits, "symmetric": False,
                                                           "use_real_sigmoid": False,
                                                           "use_stochastic_rounding": False}}


def qinitializer(initializer: str, quantizer: dict) -> dict:
    """QKeras wraps a quantized weight's initializer (fixed alpha) in a QInitializer."""
    return {"class_name": "QInitializer", "config": {
        "initializer": {"class_name": initializer, "config": {"seed": None}, "__passive_serialization__": True},
        "use_scale": True, "quantizer": {**quantizer, "__passive_serialization__": True}}}


CLIP = {"class_name": "Clip", "config": {"min_value": -1, "max_value": 1}}
KERNEL, RECURRENT, BIAS = qb(6, 0), qb(6, 0), qb(6, 0)


def rnn_entry(class_name: str, name: str, units: int, state: dict | None, activation: dict,
              return_sequences: bool = True, first: bool = False, **cell_fields) -> dict:
    """A QSimpleRNN / QLSTM / QGRU entry: tf.keras 2's RNN fields, then QKeras' own (its get_config order)."""
    config = {"name": name, "trainable": True, "dtype": "float32"}
    if first:
        config["batch_input_shape"] = [None, STEPS, FEATURES]
    config.update({"return_sequences": return_sequences, "return_state": False, "go_backwards": False,
                   "stateful": False, "unroll": False, "time_major": False, "units": units, "activation": activation})
    if "recurrent_activation" in cell_fields:
        config["recurrent_activation"] = cell_fields.pop("recurrent_activation")
    config.update({
        "use_bias": True, "kernel_initializer": qinitializer("GlorotUniform", KERNEL),
        "recurrent_initializer": qinitializer("Orthogonal", RECURRENT), "bias_initializer": {"class_name": "Zeros",
                                                                                             "config": {}},
        **({"unit_forget_bias": cell_fields.pop("unit_forget_bias")} if "unit_forget_bias" in cell_fields else {}),
        "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": CLIP, "recurrent_constraint": CLIP, "bias_constraint": CLIP,
        "kernel_quantizer": KERNEL, "recurrent_quantizer": RECURRENT, "bias_quantizer": BIAS,
        "state_quantizer": state, "dropout": 0.0, "recurrent_dropout": 0.0, **cell_fields})
    return {"class_name": class_name, "config": config}


def simple_rnn(name="rnn", **kw) -> dict:
    return rnn_entry("QSimpleRNN", name, 4, qb(5, 0), qtanh(8), **kw)


def lstm(name="lstm", units=5, **kw) -> dict:
    return rnn_entry("QLSTM", name, units, qb(8, 2), qtanh(8), recurrent_activation="hard_sigmoid",
                     unit_forget_bias=True, implementation=1, **kw)


def gru(name="gru", units=4, reset_after=False, **kw) -> dict:
    return rnn_entry("QGRU", name, units, qb(8, 1), qtanh(8), recurrent_activation=qsigmoid(8), implementation=2,
                     reset_after=reset_after, **kw)


def bidirectional(name: str, inner: dict, first: bool = False) -> dict:
    config = {"name": name, "trainable": True, "dtype": "float32", "layer": inner, "merge_mode": "concat"}
    if first:
        config["batch_input_shape"] = [None, STEPS, FEATURES]
    return {"class_name": "QBidirectional", "config": config}


CELL_NAMES = {"QSimpleRNN": "q_simple_rnn_cell", "QLSTM": "qlstm_cell", "QGRU": "qgru_cell"}
GATES = {"QSimpleRNN": 1, "QLSTM": 4, "QGRU": 3}


def rnn_weights(rng: np.random.Generator, entry: dict, inputs: int) -> list[tuple[str, np.ndarray]]:
    """(name suffix, array) of a recurrent layer's kernel, recurrent kernel, bias: random values on a 1/32 grid."""
    config = entry["config"]
    units, gates = config["units"], GATES[entry["class_name"]]
    bias_shape = (2, gates * units) if config.get("reset_after") else (gates * units,)
    shapes = {"kernel": (inputs, gates * units), "recurrent_kernel": (units, gates * units), "bias": bias_shape}
    return [(name, (rng.integers(-24, 24, size=shape) / 32).astype(np.float32)) for name, shape in shapes.items()]


def write_h5(path: Path, layers: dict[str, list[tuple[str, np.ndarray]]]) -> Path:
    """tf.keras 2's save_weights layout: weight_names in the layer's weight order, datasets at those paths."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n in layers])
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.4.0"
        for layer, weights in layers.items():
            g = f.create_group(layer)
            g.attrs["weight_names"] = np.array([name.encode() for name, _ in weights])
            for name, value in weights:
                g.create_dataset(name, data=value)
    return path


def scoped(prefix: str, weights: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray]]:
    return [(f"{prefix}/{name}:0", value) for name, value in weights]


def write_json(path: Path, config: dict) -> Path:
    path.write_text(json.dumps(config))
    return path


# -- the same models built with hwq's layers ---------------------------------------------------------------------

def hwq_kwargs(state: quantized_bits) -> dict:
    return {"kernel_quantizer": quantized_bits(6, 0, alpha=1), "recurrent_quantizer": quantized_bits(6, 0, alpha=1),
            "bias_quantizer": quantized_bits(6, 0, alpha=1), "state_quantizer": state,
            "activation": quantized_tanh(8)}


def hwq_simple_rnn(name="rnn", **kw):
    return QSimpleRNN(4, name=name, **hwq_kwargs(quantized_bits(5, 0, alpha=1)), **kw)


def hwq_lstm(name="lstm", units=5, **kw):
    return QLSTM(units, name=name, recurrent_activation="hard_sigmoid",
                 **hwq_kwargs(quantized_bits(8, 2, alpha=1)), **kw)


def hwq_gru(name="gru", units=4, reset_after=False, **kw):
    return QGRU(units, name=name, recurrent_activation=quantized_sigmoid(8), reset_after=reset_after,
                **hwq_kwargs(quantized_bits(8, 1, alpha=1)), **kw)


def inputs(n: int = 16, seed: int = 1) -> np.ndarray:
    """Inputs on a 1/16 grid in [-2, 2)."""
    return (np.random.default_rng(seed).integers(-32, 32, size=(n, STEPS, FEATURES)) / 16).astype(np.float32)


# -- the tests ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sequential_files(tmp_path_factory):
    """A Sequential QSimpleRNN -> QLSTM -> QGRU -> QBidirectional(QGRU, reset_after) model and its weights."""
    tmp = tmp_path_factory.mktemp("recurrent")
    rng = np.random.default_rng(0)
    entries = [simple_rnn(first=True), lstm(), gru(), bidirectional("bidir", gru("gru_b", 3, reset_after=True,
                                                                                    return_sequences=False))]
    config = {"class_name": "Sequential", "config": {"name": "recurrent", "layers": entries}}
    rnn, lstm_w, gru_w = rnn_weights(rng, entries[0], FEATURES), rnn_weights(rng, entries[1], 4), \
        rnn_weights(rng, entries[2], 5)
    forward, backward = rnn_weights(rng, entries[3]["config"]["layer"], 4), \
        rnn_weights(rng, entries[3]["config"]["layer"], 4)
    weights = {"rnn": scoped("rnn/q_simple_rnn_cell", rnn), "lstm": scoped("lstm/qlstm_cell", lstm_w),
               "gru": scoped("gru/qgru_cell", gru_w),
               "bidir": scoped("bidir/forward_gru_b/qgru_cell_1", forward) +
               scoped("bidir/backward_gru_b/qgru_cell_2", backward)}
    arrays = {"rnn": rnn, "lstm": lstm_w, "gru": gru_w, "bidir": forward + backward}
    return write_json(tmp / "m.json", config), write_h5(tmp / "w.h5", weights), arrays


def with_weights(model: keras.Model, arrays: dict[str, list[tuple[str, np.ndarray]]]) -> keras.Model:
    for name, weights in arrays.items():
        model.get_layer(name).set_weights([value for _, value in weights])
    return model


def test_sequential_recurrent_model_loads_with_its_layers_and_quantizers(sequential_files):
    json_path, h5_path, arrays = sequential_files
    model = load_qkeras(json_path, h5_path)
    assert [type(layer).__name__ for layer in model.layers] == ["QSimpleRNN", "QLSTM", "QGRU", "QBidirectional"]
    lstm_layer = model.get_layer("lstm")
    assert str(lstm_layer.state_quantizer_internal) == str(quantized_bits(8, 2, alpha=1))
    assert str(lstm_layer.cell.activation) == str(quantized_tanh(8))
    assert lstm_layer.cell.recurrent_activation.__name__ == "hard_sigmoid"  # QKeras' clip(x/2 + 1/2, 0, 1)
    assert not model.get_layer("gru").reset_after and model.get_layer("bidir").forward_layer.reset_after
    forward = model.get_layer("bidir").forward_layer.cell
    np.testing.assert_array_equal(forward.recurrent_kernel.numpy(), arrays["bidir"][1][1])
    backward = model.get_layer("bidir").backward_layer.cell
    np.testing.assert_array_equal(backward.bias.numpy(), arrays["bidir"][5][1])
    np.testing.assert_array_equal(model.get_layer("lstm").cell.kernel.numpy(), arrays["lstm"][0][1])


def test_sequential_recurrent_predictions_equal_hwq_model_built_directly(sequential_files):
    json_path, h5_path, arrays = sequential_files
    loaded = load_qkeras(json_path, h5_path)
    direct = keras.Sequential([keras.Input((STEPS, FEATURES)), hwq_simple_rnn(return_sequences=True),
                               hwq_lstm(return_sequences=True), hwq_gru(return_sequences=True),
                               QBidirectional(hwq_gru("gru_b", 3, reset_after=True), name="bidir")])
    with_weights(direct, arrays)
    x = inputs()
    expected = direct.predict(x, verbose=0)
    assert expected.shape == (16, 6) and np.ptp(expected) > 0
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


def test_functional_bidirectional_lstm_predictions_equal_hwq_model_built_directly(tmp_path):
    rng = np.random.default_rng(2)
    inner = lstm("lstm_b", 3, return_sequences=True)
    layers = [
        {"class_name": "InputLayer", "name": "seq", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, STEPS, FEATURES], "dtype": "float32", "sparse": False,
                    "ragged": False, "name": "seq"}},
        {**bidirectional("bidir", inner), "name": "bidir", "inbound_nodes": [[["seq", 0, 0, {}]]]},
        {**simple_rnn("rnn", return_sequences=False), "name": "rnn", "inbound_nodes": [[["bidir", 0, 0, {}]]]},
    ]
    config = {"class_name": "Functional", "config": {"name": "f", "layers": layers, "input_layers": [["seq", 0, 0]],
                                                     "output_layers": [["rnn", 0, 0]]}}
    forward, backward = rnn_weights(rng, inner, FEATURES), rnn_weights(rng, inner, FEATURES)
    rnn = rnn_weights(rng, layers[2], 6)
    h5 = write_h5(tmp_path / "w.h5", {"bidir": scoped("bidir/forward_lstm_b/qlstm_cell_1", forward) +
                                      scoped("bidir/backward_lstm_b/qlstm_cell_2", backward),
                                      "rnn": scoped("rnn/q_simple_rnn_cell", rnn)})
    loaded = load_qkeras(write_json(tmp_path / "f.json", config), h5)

    seq = keras.Input((STEPS, FEATURES))
    out = hwq_simple_rnn()(QBidirectional(hwq_lstm("lstm_b", 3, return_sequences=True), name="bidir")(seq))
    direct = with_weights(keras.Model(seq, out), {"bidir": forward + backward, "rnn": rnn})
    x = inputs(seed=3)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), direct.predict(x, verbose=0))


def test_bidirectional_with_its_own_backward_layer(tmp_path):
    rng = np.random.default_rng(8)
    forward_entry = simple_rnn("rnn", return_sequences=False)
    backward_entry = simple_rnn("rnn_back", return_sequences=False)
    backward_entry["config"]["go_backwards"] = True
    wrapper = bidirectional("bidir", forward_entry, first=True)
    wrapper["config"]["backward_layer"] = backward_entry
    json_path = write_json(tmp_path / "b.json", {"class_name": "Sequential", "config": {"name": "b",
                                                                                        "layers": [wrapper]}})
    forward, backward = rnn_weights(rng, forward_entry, FEATURES), rnn_weights(rng, backward_entry, FEATURES)
    h5 = write_h5(tmp_path / "b.h5", {"bidir": scoped("bidir/forward_rnn/q_simple_rnn_cell_1", forward) +
                                      scoped("bidir/rnn_back/q_simple_rnn_cell_2", backward)})
    loaded = load_qkeras(json_path, h5)
    assert loaded.get_layer("bidir").backward_layer.name == "rnn_back"
    direct = keras.Sequential([keras.Input((STEPS, FEATURES)), QBidirectional(
        hwq_simple_rnn(), backward_layer=hwq_simple_rnn("rnn_back", go_backwards=True), name="bidir")])
    with_weights(direct, {"bidir": forward + backward})
    x = inputs(seed=9)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), direct.predict(x, verbose=0))


# -- a QSimpleRNN against QKeras' formulas in numpy --------------------------------------------------------------

def np_quantized_bits(x, bits, integer):
    """quantized_bits(bits, integer, alpha=1): 2^i · clip(round_half_even(x·m/2^i), -m, m-1) / m, m = 2^(bits-1)."""
    m, mi = 2.0 ** (bits - 1), 2.0 ** integer
    return mi * np.clip(np.round(x * m / mi), -m, m - 1) / m


def np_quantized_tanh(x, bits):
    """quantized_tanh with QKeras' hard internal sigmoid: 2σ − 1 = clip(x, −1, 1), rounded on a 2^-(bits−1) grid."""
    m = 2.0 ** (bits - 1)
    return np.clip(np.round(m * np.clip(x, -1.0, 1.0)) / m, -1.0, 1.0 - 1.0 / m)


def test_loaded_simple_rnn_follows_qkeras_formulas(tmp_path):
    rng = np.random.default_rng(4)
    entry = simple_rnn(first=True)
    weights = rnn_weights(rng, entry, FEATURES)
    model = load_qkeras(write_json(tmp_path / "r.json", {"class_name": "Sequential",
                                                         "config": {"name": "r", "layers": [entry]}}),
                        write_h5(tmp_path / "r.h5", {"rnn": scoped("rnn/q_simple_rnn_cell", weights)}))
    kernel, recurrent, bias = (np_quantized_bits(w.astype(np.float64), 6, 0) for _, w in weights)
    x = inputs(8, seed=5).astype(np.float64)
    h = np.zeros((8, 4))
    outputs = []
    for t in range(STEPS):
        h = np_quantized_tanh(x[:, t] @ kernel + bias + np_quantized_bits(h, 5, 0) @ recurrent, 8)
        outputs.append(h)
    np.testing.assert_array_equal(model.predict(x.astype(np.float32), verbose=0), np.stack(outputs, axis=1))


# -- errors name the layer ---------------------------------------------------------------------------------------

def test_time_major_true_is_refused_naming_the_layer(tmp_path):
    entry = simple_rnn(first=True)
    entry["config"]["time_major"] = True
    path = write_json(tmp_path / "t.json", {"class_name": "Sequential", "config": {"name": "t", "layers": [entry]}})
    with pytest.raises(ModelLoadError, match=r"layer 'rnn' \(QSimpleRNN\), field 'time_major'"):
        load_qkeras(path)


def test_bad_quantizer_inside_a_bidirectional_names_the_inner_layer(tmp_path):
    inner = gru("gru_b", 3)
    inner["config"]["state_quantizer"] = "quantized_bitz(8, 1)"
    path = write_json(tmp_path / "b.json", {"class_name": "Sequential", "config": {
        "name": "b", "layers": [bidirectional("bidir", inner, first=True)]}})
    with pytest.raises(ModelLoadError, match=r"layer 'gru_b' \(QGRU\), field 'state_quantizer'.*quantized_bitz"):
        load_qkeras(path)


def test_bidirectional_weights_missing_a_direction_name_the_layer(tmp_path):
    inner = lstm("lstm_b", 3)
    json_path = write_json(tmp_path / "b.json", {"class_name": "Sequential", "config": {
        "name": "b", "layers": [bidirectional("bidir", inner, first=True)]}})
    forward = rnn_weights(np.random.default_rng(6), inner, FEATURES)
    h5 = write_h5(tmp_path / "b.h5", {"bidir": scoped("bidir/forward_lstm_b/qlstm_cell_1", forward)})
    with pytest.raises(ModelLoadError, match=r"layer 'bidir' \(QBidirectional\): .* has 3 weights.*the layer has 6"):
        load_qkeras(json_path, h5)


def test_recurrent_kernel_of_the_wrong_shape_names_layer_and_weight(tmp_path):
    entry = lstm(first=True)
    weights = rnn_weights(np.random.default_rng(7), entry, FEATURES)
    weights[1] = ("recurrent_kernel", np.zeros((4, 20), np.float32))
    json_path = write_json(tmp_path / "l.json", {"class_name": "Sequential",
                                                 "config": {"name": "l", "layers": [entry]}})
    with pytest.raises(ModelLoadError, match=r"layer 'lstm' \(QLSTM\), field 'recurrent_kernel'.*\(4, 20\).*\(5, 20\)"):
        load_qkeras(json_path, write_h5(tmp_path / "l.h5", {"lstm": scoped("lstm/qlstm_cell", weights)}))
