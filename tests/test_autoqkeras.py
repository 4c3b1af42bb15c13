"""AutoQKeras on hwq (hwq.autoqkeras, offered as hwq.qkeras.autoqkeras): the search runs on tiny models and random
data (2 trials of 1 epoch), its forgiving factors match hand computations, the scheduler goes block by block and
resumes, a QKeras-style script runs with only its imports changed, and the best model lowers bit-exactly.

keras-tuner writes its project folders under pytest's tmp_path.
"""

import importlib
import math
import textwrap

import keras
import keras_tuner as kt
import numpy as np
import pytest

import hwq
import hwq.qkeras.autoqkeras as qk_autoqkeras
from hwq.autoqkeras.limit import QuantizerChooser, normalized_limit
from hwq.qkeras.autoqkeras import (
    AutoQKeras,
    AutoQKerasScheduler,
    default_quantization_config,
    forgiving_factor,
    get_quantization_dictionary,
    save_quantization_dict,
)
from hwq.qkeras.autoqkeras.forgiving_metrics import ForgivingFactorBits, ForgivingFactorPower
from hwq.qtools import QTools
from hwq.quantizers import get_quantizer
from hwq.utils import model_quantize

LR = 0.01
CONFIG = {  # every choice lowers exactly (fixed alpha or power-of-two scales)
    "kernel": {"quantized_bits(4,0,1,alpha=1)": 4, "ternary": 2, "quantized_bits(8,0,1,alpha=1)": 8},
    "bias": {"quantized_bits(8,3,1)": 8},
    "activation": {"quantized_relu(4,2)": 4, "quantized_relu(6,2)": 6},
    "linear": {"quantized_bits(8,2)": 8},
}


def _data(shape, classes=3, n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.integers(-64, 64, (n, *shape)) / 64).astype("float32")  # on the ap_fixed<8,1> grid
    return x, keras.utils.to_categorical(rng.integers(0, classes, n), classes)


def _mlp(inputs=8, hidden=6, classes=3, softmax=True):
    x = keras.Input((inputs,), name="input")
    h = keras.layers.Dense(hidden, name="d0")(x)
    h = keras.layers.Activation("relu", name="a0")(h)
    y = keras.layers.Dense(classes, name="d1")(h)
    if softmax:
        y = keras.layers.Activation("softmax", name="sm")(y)
    model = keras.Model(x, y)
    model.compile(keras.optimizers.Adam(LR), "categorical_crossentropy", metrics=["acc"])
    return model


def _same_quantizer(quantizer, choice):
    """A layer's quantizer is the configured choice (alpha=None kernels become auto_po2 inside the layer)."""
    wanted = get_quantizer(choice)
    return (type(quantizer) is type(wanted) and quantizer.bits == wanted.bits
            and getattr(quantizer, "integer", None) == getattr(wanted, "integer", None))


# -- the QKeras module layout ----------------------------------------------------------------------


def test_qkeras_layout_reexports_hwq():
    from hwq.qkeras.autoqkeras import autoqkeras_internal, quantization_config, utils
    from hwq.qkeras.autoqkeras.forgiving_metrics import forgiving_bits, forgiving_energy

    # as in QKeras, the package's `forgiving_factor` is the registry dict, which hides the submodule of that name
    ff_module = importlib.import_module("hwq.qkeras.autoqkeras.forgiving_metrics.forgiving_factor")
    assert forgiving_factor == {"bits": ForgivingFactorBits, "energy": ForgivingFactorPower}
    assert issubclass(ForgivingFactorBits, ff_module.ForgivingFactor)
    assert forgiving_bits.ForgivingFactorBits is ForgivingFactorBits
    assert forgiving_energy.ForgivingFactorPower is ForgivingFactorPower
    assert quantization_config.default_quantization_config is default_quantization_config
    assert autoqkeras_internal.AutoQKeras is AutoQKeras is hwq.autoqkeras.AutoQKeras
    assert utils.print_qmodel_summary is qk_autoqkeras.print_qmodel_summary
    assert set(qk_autoqkeras.__all__) >= {"AutoQKeras", "AutoQKerasScheduler", "AutoQKHyperModel",
                                          "print_qmodel_summary", "get_quantization_dictionary",
                                          "save_quantization_dict", "default_quantization_config"}
    assert default_quantization_config["kernel"]["quantized_bits(4,0,1)"] == 4
    assert set(default_quantization_config) == {"kernel", "bias", "activation", "linear"}


def test_limit_ceilings_lists_and_shared_patterns():
    limit = normalized_limit({"Dense": [4], "^fc_[01]$": [["ternary"], 8, 4], "Activation": [4]})
    assert limit["Dense"] == [4, 8, 8]  # missing entries take the default ceiling of 8 bits
    chooser, hp = QuantizerChooser(limit, CONFIG), kt.HyperParameters()
    kernel, bits = chooser.choose(hp, "other_kernel", "other", "Dense", "kernel")
    assert bits <= 4 and kernel in ("quantized_bits(4,0,1,alpha=1)", "ternary")
    assert chooser.choose(hp, "fc_0_kernel", "fc_0", "Dense", "kernel") == ("ternary", 2)
    # a name pattern is one hyperparameter for every layer it matches
    assert chooser.choose(hp, "fc_1_kernel", "fc_1", "Dense", "kernel") == ("ternary", 2)
    assert "^fc_[01]$_kernel_quantizer" in hp.values and "fc_1_kernel_quantizer" not in hp.values
    assert chooser.choose(hp, "conv_kernel", "conv", "Conv2D", "kernel") == (None, -1)  # not in the limit
    with pytest.raises(ValueError, match="allows no activation"):
        QuantizerChooser(normalized_limit({"Activation": [2]}), CONFIG).choose(hp, "a_activation", "a",
                                                                               "Activation", "activation")


# -- forgiving factors against hand computations ------------------------------------------------------


def test_forgiving_bits_by_hand():
    model = _mlp()
    ff = ForgivingFactorBits(8.0, 8.0, 2.0, config={"default": ["parameters", "activations"]})
    # input 8 values·8 b; d0 (8·6+6)·8; a0 6·8 (relu: ref bits); d1 (6·3+3)·8; softmax 3·8 (output bits)
    assert ff.get_reference(model) == 64 + 432 + 48 + 168 + 24 == 736
    assert (ff.ref_p, ff.ref_a) == (600, 136)
    q = model_quantize(model, {"d0": {"kernel_quantizer": "quantized_bits(4,0,1)",
                                      "bias_quantizer": "quantized_bits(4,0,1)"},
                               "a0": "quantized_relu(4,2)",
                               "d1": {"kernel_quantizer": "ternary", "bias_quantizer": "quantized_bits(8,3,1)"}}, 4)
    # d0 (48+6)·4; a0 6·4; d1 18·2 + 3·8; input and softmax unchanged
    assert ff.get_trial(q) == 64 + 216 + 24 + 60 + 24 == 388
    assert float(ff.delta()) == pytest.approx(0.08 * math.log2(736 / 388), rel=1e-6)
    assert ff.get_total_factor() == pytest.approx((388 - 736) / 736)
    assert ff.trial_size_dict["d1"] == {"parameters": 60, "activations": 0, "total": 60}


def test_forgiving_bits_qkeras_reference_model():
    """QKeras' own forgiving-factor test model and numbers (conv, batchnorm, binary/ternary layers)."""
    xi = keras.Input((28, 28, 1), name="input")
    x = keras.layers.Conv2D(32, 3, padding="same", name="c1")(xi)
    x = keras.layers.BatchNormalization(name="b1")(x)
    x = keras.layers.Activation("relu", name="a1")(x)
    x = keras.layers.MaxPooling2D(2, 2, name="mp1")(x)
    x = hwq.layers.QConv2D(32, 3, kernel_quantizer="binary", bias_quantizer="binary", padding="same", name="c2")(x)
    x = hwq.layers.QBatchNormalization(name="b2")(x)
    x = hwq.layers.QActivation("binary", name="a2")(x)
    x = keras.layers.MaxPooling2D(2, 2, name="mp2")(x)
    x = hwq.layers.QConv2D(32, 3, kernel_quantizer="ternary", bias_quantizer="ternary", padding="same",
                           activation="binary", name="c3")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    model = keras.Model(xi, keras.layers.Dense(1, name="dense", activation="softmax")(x))
    config = {k: ["parameters", "activations"] for k in ("QDense", "Dense", "QConv2D", "Conv2D", "DepthwiseConv2D",
                                                         "QDepthwiseConv2D")}
    config.update({"Activation": ["activations"], "QActivation": ["activations"], "default": ["activations"],
                   "QBatchNormalization": ["parameters"], "BatchNormalization": ["parameters"]})
    ff = ForgivingFactorBits(8.0, 8.0, 2.0, 1.0, 8, 8, 8, config)
    total, params, acts, sizes = ff.compute_model_size(model)
    assert (total, params, acts) == (258544, 43720, 214824)
    q = model_quantize(model, {"c1": {"kernel_quantizer": "binary", "bias_quantizer": "quantized_bits(4)"}}, 4)
    trial = ff.compute_model_size(q)[3]
    assert trial["c1"]["parameters"] == 3 * 3 * 32 * 1 + 32 * 4 == 416
    assert all(trial[name] == sizes[name] for name in trial if name != "c1")


def _horowitz_mac(x_bits, w_bits, acc_bits):
    """One multiply (gate of sqrt(bx·bw) bits) plus one accumulator add, in pJ (Horowitz 45 nm integer fits)."""
    b = math.sqrt(x_bits * w_bits)
    return 0.002994791667 * b * b + 0.001041666667 * b + 0.003125 * acc_bits


def _sram_word(bits):
    """One 64-bit access of an SRAM holding `bits` (the cubic fit in log2 of its size)."""
    s = math.log2(bits)
    return 9.02427321e-04 * s ** 3 - 2.68847858e-02 * s ** 2 + 2.08900804e-01 * s


def test_forgiving_energy_by_hand():
    model = _mlp(inputs=16, hidden=16, classes=4, softmax=False)
    ff = ForgivingFactorPower(8.0, 8.0, 2.0, parameters_on_memory=["fixed"] * 2, activations_on_memory=["fixed"] * 2,
                              rd_wr_on_io=[False, False], source_quantizers=["int8"], reference_internal="int8",
                              reference_accumulator="int32")
    # counted (qtools' include_energy): a dense layer's inputs, parameters and MACs, an activation's output. Fixed
    # memories cost nothing, but the model's input is read from an SRAM of its own size: 16·8 b, two words.
    io_read = round(2 * _sram_word(128), 2)
    # reference: int8 values, int32 sums; d1 reads a float relu of d0's int32 sums, so its products are 8 × 32 b
    reference = io_read + round(256 * _horowitz_mac(8, 8, 32), 2) + round(64 * _horowitz_mac(32, 8, 32), 2)
    assert ff.get_reference(model) == int(reference) == 134
    q = model_quantize(model, {"d0": {"kernel_quantizer": "quantized_bits(4,0,1,alpha=1)",
                                      "bias_quantizer": "quantized_bits(8,3,1)"},
                               "a0": "quantized_relu(4,2)",
                               "d1": {"kernel_quantizer": "quantized_bits(4,0,1,alpha=1)",
                                      "bias_quantizer": "quantized_bits(8,3,1)"}}, 4)
    # the accumulator widths qtools' type rules give these layers (8 b × 4 b and 4 b relu × 4 b, plus the bias)
    types = QTools(q, source_quantizers=["int8"], keras_quantizer="int8", keras_accumulator="int32").layer_map
    assert (types["d0"].accumulator.bits, types["d1"].accumulator.bits) == (17, 13)
    trial = io_read + round(256 * _horowitz_mac(8, 4, 17), 2) + round(64 * _horowitz_mac(4, 4, 13), 2)
    assert ff.get_trial(q) == int(trial) == 46
    assert float(ff.delta()) == pytest.approx(0.08 * math.log2(134 / 46), rel=1e-6)


# -- the search ----------------------------------------------------------------------------------------


def test_autoqkeras_random_mlp_lowers_bit_exactly(tmp_path):
    x, y = _data((8,))
    model = _mlp()
    aq = AutoQKeras(model, metrics=["acc"], output_dir=str(tmp_path / "mlp"), quantization_config=CONFIG,
                    limit={"Dense": [8, 8, 6], "Activation": [6]}, mode="random", max_trials=2, seed=3)
    aq.fit(x, y, validation_split=0.25, epochs=1, batch_size=16, verbose=0)
    assert (tmp_path / "mlp").is_dir()  # keras-tuner's project folder
    history = aq.history()
    assert len(history["score"]) == 2 and len(history["trial_size"]) == 2
    best = aq.get_best_model()
    hp = aq.tuner.get_best_hyperparameters()[0].values
    assert set(hp) == {"d0_kernel_quantizer", "d0_bias_quantizer", "d1_kernel_quantizer", "d1_bias_quantizer",
                       "a0_activation_quantizer"}
    for name in ("d0", "d1"):
        layer = best.get_layer(name)
        assert type(layer).__name__ == "QDense"
        assert _same_quantizer(layer.kernel_quantizer_internal, hp[f"{name}_kernel_quantizer"])
        assert _same_quantizer(layer.bias_quantizer_internal, hp[f"{name}_bias_quantizer"])
    assert _same_quantizer(best.get_layer("a0").activation, hp["a0_activation_quantizer"])
    assert type(best.get_layer("sm")).__name__ == "Activation"  # softmax stays float
    # the best trial's logged size is the bits of the rebuilt model, and its score is val_acc · (1 + delta)
    assert aq.hypermodel.trial_size == history["trial_size"][0]
    assert history["score"][0] == pytest.approx(history["val_acc"][0] * (1 + float(aq.hypermodel.target.delta())),
                                                rel=1e-5)
    assert AutoQKeras.get_best_lr(best) == pytest.approx(LR)
    assert set(get_quantization_dictionary(best)) == {"d0", "a0", "d1"}
    save_quantization_dict(tmp_path / "q.json", best)
    assert '"d0"' in (tmp_path / "q.json").read_text()
    # the search's result goes down hwq's flow: lowered up to the logits (softmax stays in Keras), bit-exact
    best.fit(x, y, epochs=1, verbose=0)
    graph = hwq.lower(best, input_type="ap_fixed<8,1>", until="d1")
    logits = keras.Model(best.inputs, best.get_layer("d1").output).predict(x, verbose=0)
    np.testing.assert_array_equal(graph.simulate(x).reshape(logits.shape), logits)


def test_autoqkeras_searches_recurrent_layers(tmp_path):
    x, y = _data((6, 2))
    xi = keras.Input((6, 2), name="input")
    h = keras.layers.LSTM(3, return_sequences=True, name="lstm")(xi)
    h = keras.layers.Bidirectional(keras.layers.GRU(2), name="bigru")(h)
    model = keras.Model(xi, keras.layers.Dense(3, activation="softmax", name="out")(h))
    model.compile(keras.optimizers.Adam(LR), "categorical_crossentropy", metrics=["acc"])
    config = {**CONFIG, "activation": {"quantized_tanh(6)": 6}}
    aq = AutoQKeras(model, metrics=["acc"], output_dir=str(tmp_path / "rnn"), quantization_config=config,
                    limit={"LSTM": [8, 8, 6], "Bidirectional": [8, 8, 6]}, mode="random", max_trials=1, seed=1)
    aq.fit(x, y, validation_split=0.25, epochs=1, batch_size=16, verbose=0)
    best, hp = aq.get_best_model(), aq.tuner.get_best_hyperparameters()[0].values
    lstm, bigru = best.get_layer("lstm"), best.get_layer("bigru")
    assert type(lstm).__name__ == "QLSTM" and type(bigru).__name__ == "QBidirectional"
    assert _same_quantizer(lstm.cell.kernel_quantizer_internal, hp["lstm_kernel_quantizer"])
    assert _same_quantizer(lstm.cell.recurrent_quantizer_internal, hp["lstm_recurrent_kernel_quantizer"])
    assert _same_quantizer(bigru.forward_layer.cell.kernel_quantizer_internal, hp["bigru_kernel_quantizer"])
    assert str(lstm.cell.activation) == "quantized_tanh(6)"


def test_autoqkeras_cnn_energy_goal_and_block_filters(tmp_path):
    x, y = _data((6, 6, 1), classes=2, n=32)
    xi = keras.Input((6, 6, 1), name="input")
    h = keras.layers.Conv2D(4, 3, name="conv")(xi)
    h = keras.layers.Activation("relu", name="relu")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    out = keras.layers.Activation("softmax", name="softmax")(keras.layers.Dense(2, name="dense")(h))
    model = keras.Model(xi, out)
    model.compile(keras.optimizers.Adam(LR), "categorical_crossentropy", metrics=["acc"])
    goal = {"type": "energy", "params": {"delta_p": 8.0, "delta_n": 8.0, "rate": 2.0, "stress": 1.0,
                                         "parameters_on_memory": ["sram", "sram"],
                                         "activations_on_memory": ["sram", "sram"], "rd_wr_on_io": [False, False],
                                         "min_sram_size": [0, 0], "source_quantizers": ["int8"],
                                         "reference_internal": "int8", "reference_accumulator": "int32"}}
    aq = AutoQKeras(model, metrics=["acc"], goal=goal, output_dir=str(tmp_path / "cnn"), quantization_config=CONFIG,
                    limit={"Conv2D": [4, 8, 4], "Dense": [8, 8, 4], "Activation": [4]}, tune_filters="block",
                    tune_filters_exceptions="^dense$", mode="random", max_trials=2, seed=1)
    aq.fit(x, y, validation_split=0.25, epochs=1, batch_size=8, verbose=0)
    best = aq.get_best_model()
    factor = aq.tuner.get_best_hyperparameters()[0].values["network_filters"]
    conv = best.get_layer("conv")
    assert type(conv).__name__ == "QConv2D" and conv.filters == max(int(4 * factor), 1)
    assert conv.kernel_quantizer_internal.bits <= 4 and best.get_layer("dense").units == 2  # excepted from tuning
    target = aq.hypermodel.target
    assert isinstance(target, ForgivingFactorPower)
    assert aq.history()["trial_size"][0] == target.trial_size  # energy (pJ) of the rebuilt best model
    assert target.trial_size < target.reference_size


@pytest.mark.parametrize("mode, tuner_kwargs", [("bayesian", {"max_trials": 2}),
                                                 ("hyperband", {"max_epochs": 2, "hyperband_iterations": 1})])
def test_other_modes_sequential_with_learning_rate_search(tmp_path, mode, tuner_kwargs):
    x, y = _data((8,))
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(6, activation="relu", name="d0"),
                              keras.layers.Dense(3, activation="softmax", name="d1")])
    model.compile(keras.optimizers.SGD(0.05), "categorical_crossentropy", metrics=["acc"])
    aq = AutoQKeras(model, output_dir=str(tmp_path / mode), mode=mode, quantization_config=CONFIG,
                    limit={"Dense": [4, 8, 4]}, learning_rate_optimizer=True, transfer_weights=True, seed=2,
                    activation_bits=3, **tuner_kwargs)
    aq.fit(x, y, validation_split=0.25, epochs=1, verbose=0)
    best = aq.get_best_model()
    assert [type(layer).__name__ for layer in best.layers] == ["QDense", "QDense"]
    # d0's relu takes the searched activation quantizer (not model_quantize's quantized_relu(activation_bits))
    assert _same_quantizer(best.get_layer("d0").activation, "quantized_relu(4,2)")
    assert best.get_layer("d1").activation.__name__ == "softmax"
    lr = aq.tuner.get_best_hyperparameters()[0].values["learning_rate"]
    assert aq.get_learning_rate() == pytest.approx(lr) and lr <= 0.05 * 1.1 + 1e-9
    assert isinstance(best.optimizer, keras.optimizers.SGD)


def _scheduled_model():
    x = xi = keras.Input((4,), name="input")
    for i, units in enumerate((8, 8)):
        x = keras.layers.Dense(units, name=f"dense_{i}")(x)
        x = keras.layers.BatchNormalization(name=f"bn{i}")(x)
        x = keras.layers.Activation("relu", name=f"relu_{i}")(x)
    x = keras.layers.Activation("softmax", name="softmax")(keras.layers.Dense(3, name="dense")(x))
    model = keras.Model(xi, x)
    model.compile(keras.optimizers.Adam(LR), "categorical_crossentropy", metrics=["acc"])
    return model


def test_scheduler_quantizes_block_by_block_and_resumes(tmp_path):
    x, y = _data((4,), n=48)
    config = {"kernel": {"stochastic_ternary": 2, "quantized_bits(8,0,1,alpha=1.0)": 8},
              "bias": {"quantized_bits(4,0,1)": 4}, "activation": {"quantized_relu(4,1)": 4}, "linear": {"binary": 1}}
    limit = {"dense_0": [["stochastic_ternary"], 8, 4], "dense": [["quantized_bits(8,0,1,alpha=1.0)"], 8, 4],
             "BatchNormalization": [], "Activation": [4]}
    run_config = {"output_dir": str(tmp_path / "sched"), "goal": None, "quantization_config": config,
                  "mode": "random", "seed": 42, "limit": limit, "tune_filters": "layer",
                  "tune_filters_exceptions": "^dense$", "max_trials": 1, "blocks": ["^.*0$", "^dense$"],
                  "schedule_block": "cost"}
    scheduler = AutoQKerasScheduler(_scheduled_model(), metrics=["acc"], **run_config)
    scheduler.fit(x, y, validation_split=0.25, batch_size=16, epochs=1, verbose=0)
    # the costlier block (dense_0, bn0, relu_0: 8·(4·8+8) + 8·16 + 8·8 bits) goes before the output layer's
    assert [pattern for pattern, _ in scheduler.costs] == ["^.*0$", "^dense$"]
    assert scheduler.costs[0][1] == 320 + 128 + 64 and scheduler.costs[1][1] == 8 * (8 * 3 + 3)
    assert scheduler.grouped_patterns["^.*0$"] == ["dense_0", "bn0", "relu_0"]
    # each block searches its own layers: the user's pattern narrowed to exact names, class entries per layer
    assert scheduler.get_limit(scheduler.model, "^.*0$") == {"^(dense_0)$": [["stochastic_ternary"], 8, 4],
                                                             "^bn0$": [], "^relu_0$": [4]}
    assert len(scheduler.get_history()) == 2
    best = scheduler.get_best_model()
    assert type(best.get_layer("dense_0").kernel_quantizer_internal).__name__ == "stochastic_ternary"
    assert best.get_layer("dense").kernel_quantizer_internal.bits == 8
    assert [type(best.get_layer(n)).__name__ for n in ("bn0", "relu_0", "dense_1", "relu_1")] == [
        "QBatchNormalization", "QActivation", "Dense", "Activation"]  # dense_1's block was not scheduled
    out = tmp_path / "sched"
    assert (out / "model_block_0.keras").is_file() and (out / "model_block_1.keras").is_file()
    assert (out / "scheduler.json").read_text() == '{"next_block": 2}'
    resumed = AutoQKerasScheduler(_scheduled_model(), metrics=["acc"], **{**run_config, "overwrite": False})
    assert resumed.next_block == 2 and type(resumed.model.get_layer("dense")).__name__ == "QDense"


QKERAS_SCRIPT = '''
import numpy as np
from keras.layers import Activation, Dense, Input
from keras.models import Model
from keras.optimizers import Adam

from hwq.qkeras.autoqkeras import *
from hwq.qkeras import *
from hwq.qkeras.utils import model_quantize
from hwq.qkeras.qtools import run_qtools
from hwq.qkeras.qtools import settings as qtools_settings

x = x_in = Input((8,), name="input")
x = Dense(6, name="dense_0")(x)
x = Activation("relu", name="act_0")(x)
x = Dense(3, name="dense")(x)
x = Activation("softmax", name="softmax")(x)
model = Model(inputs=[x_in], outputs=[x])
model.compile(optimizer=Adam(learning_rate=0.02), loss="categorical_crossentropy", metrics=["acc"])

q = run_qtools.QTools(model, process="horowitz", source_quantizers=[quantized_bits(8, 0, 1)], is_inference=False,
                      weights_path=None, keras_quantizer="fp32", keras_accumulator="fp32", for_reference=True)
energy_dict = q.pe(weights_on_memory="sram", activations_on_memory="sram", min_sram_size=8*16*1024*1024,
                   rd_wr_on_io=False)
total_energy = q.extract_energy_sum(qtools_settings.cfg.include_energy, energy_dict)

quantization_config = {
    "kernel": {"binary": 1, "ternary": 2, "quantized_bits(4,0,1,alpha=1.0)": 4, "quantized_po2(4,1)": 4},
    "bias": {"quantized_bits(4,0,1)": 4, "quantized_bits(8,3,1)": 8},
    "activation": {"quantized_relu(3,1)": 3, "quantized_relu(4,2)": 4, "quantized_relu_po2(4,4)": 4},
    "linear": {"quantized_bits(4,1)": 4},
}
limit = {"Dense": [8, 8, 4], "Activation": [4], "^dense$": [8, 8, 4]}
goal = {"type": "energy", "params": {"delta_p": 8.0, "delta_n": 8.0, "rate": 2.0, "stress": 1.0,
        "process": "horowitz", "parameters_on_memory": ["sram", "sram"], "activations_on_memory": ["sram", "sram"],
        "rd_wr_on_io": [False, False], "min_sram_size": [0, 0], "source_quantizers": ["int8"],
        "reference_internal": "int8", "reference_accumulator": "int32"}}
run_config = {"output_dir": OUTPUT_DIR, "goal": goal, "quantization_config": quantization_config,
              "learning_rate_optimizer": False, "transfer_weights": False, "mode": "random", "seed": 42,
              "limit": limit, "tune_filters": "layer", "tune_filters_exceptions": "^dense",
              "layer_indexes": range(1, len(model.layers) - 1), "max_trials": 2}
autoqk = AutoQKeras(model, metrics=["acc"], custom_objects={}, **run_config)
autoqk.fit(x_train, y_train, validation_data=(x_test, y_test), batch_size=16, epochs=1)
qmodel = autoqk.get_best_model()
print_qmodel_summary(qmodel)
qmodel.save_weights(WEIGHTS)
qmodel.load_weights(WEIGHTS)
qmodel.compile(optimizer=Adam(learning_rate=0.02), loss="categorical_crossentropy", metrics=["acc"])
qmodel.fit(x_train, y_train, epochs=1, batch_size=16, validation_data=(x_test, y_test), verbose=0)
'''


def test_qkeras_autoqkeras_script_runs_with_only_the_import_changed(tmp_path):
    """QKeras' AutoQKeras notebook, shrunk: `qkeras` -> `hwq.qkeras` is the only edit (Keras 3 itself asks for
    learning_rate= instead of lr= and a .weights.h5 name for save_weights)."""
    x, y = _data((8,), n=64)
    namespace = {"OUTPUT_DIR": str(tmp_path / "script"), "WEIGHTS": str(tmp_path / "qmodel.weights.h5"),
                 "x_train": x[:48], "y_train": y[:48], "x_test": x[48:], "y_test": y[48:]}
    exec(compile(textwrap.dedent(QKERAS_SCRIPT), "qkeras_script", "exec"), namespace)
    qmodel = namespace["qmodel"]
    assert namespace["total_energy"] > 0
    assert [type(qmodel.get_layer(n)).__name__ for n in ("dense_0", "act_0", "dense")] == ["QDense", "QActivation",
                                                                                            "QDense"]
    assert type(qmodel.get_layer("softmax")).__name__ == "Activation"  # outside layer_indexes
