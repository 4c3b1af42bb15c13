"""QKeras' module layout on hwq: a QKeras code base importing from qkeras.qlayers, qkeras.utils, qkeras.qtools, ...
runs with `qkeras` replaced by `hwq.qkeras` in its imports, and every name there is hwq's own object."""

from __future__ import annotations

import importlib
import re
import textwrap

import keras
import numpy as np
import pytest

import hwq
import hwq.estimate
import hwq.layers
import hwq.quantizers
import hwq.quantizers.registry
import hwq.quantizers.strings
import hwq.utils
from hwq.fixed import quantize, to_float
from hwq.layers.constraints import Clip

# A QKeras user's project, importing from QKeras' modules (tf.keras 2 era); the test changes only the imports.
QKERAS_PROJECT = textwrap.dedent('''
    import numpy as np
    from tensorflow.keras.layers import Input, Flatten, Activation
    from tensorflow.keras.models import Model
    from qkeras.quantizers import quantized_bits, quantized_relu, quantized_po2
    from qkeras.qlayers import QDense, QActivation
    from qkeras.qconvolutional import QConv2D, QDepthwiseConv2D
    from qkeras.qpooling import QAveragePooling2D
    from qkeras.qnormalization import QBatchNormalization
    from qkeras.callbacks import QNoiseScheduler
    from qkeras.utils import model_quantize, model_save_quantized_weights, load_qmodel, print_qstats
    from qkeras.estimate import extract_model_operations
    from qkeras.qtools import run_qtools
    from qkeras.safe_eval import safe_eval
    from qkeras import quantizer_registry
    from qkeras.codebook import weight_compression
    from qkeras.qrecurrent import QLSTM, QGRU, QSimpleRNN, QBidirectional
    from qkeras.qseparable_conv2d_transpose import QSeparableConv2DTranspose
    from qkeras.qdepthwise_conv2d_transpose import QDepthwiseConv2DTranspose
    from qkeras.qoctave import QOctaveConv2D
    from qkeras.b2t import BinaryToThermometer
    from qkeras.qtools.quantized_operators.quantizer_factory import QuantizerFactory

    x = x_in = Input((8, 8, 2), name="input")
    x = QConv2D(4, (3, 3), kernel_quantizer=quantized_bits(4, 0, alpha=1), bias_quantizer=quantized_bits(4, 0, alpha=1),
                name="conv")(x)
    x = QBatchNormalization(name="bn")(x)
    x = QActivation(safe_eval("quantized_relu(4, 2)", {"quantized_relu": quantized_relu}), name="relu")(x)
    x = QDepthwiseConv2D((3, 3), depthwise_quantizer=quantized_po2(4, 1), name="dw")(x)
    x = QAveragePooling2D((2, 2), name="pool")(x)
    x = Flatten(name="flatten")(x)
    x = QDense(3, kernel_quantizer=quantizer_registry.lookup_quantizer("quantized_bits")(6, 0, alpha=1),
               bias_quantizer=quantized_bits(6, 0, alpha=1), name="out")(x)
    x = Activation("softmax", name="softmax")(x)
    model = Model(inputs=x_in, outputs=x)
    model.compile(optimizer="adam", loss="categorical_crossentropy")

    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(64, 8, 8, 2)).astype(np.float32)
    y_train = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 64)]
    model.fit(x_train, y_train, batch_size=16, epochs=2, verbose=0,
              callbacks=[QNoiseScheduler(start=0, finish=1, freq_type="epoch")])
    print_qstats(model)
    operations = extract_model_operations(model)
    model_save_quantized_weights(model, WORK + "/weights.h5")
    model.save(WORK + "/model.keras")
    restored = load_qmodel(WORK + "/model.keras")

    q = run_qtools.QTools(model, process="horowitz", source_quantizers=[quantized_bits(8, 0, 1)],
                          is_inference=True, weights_path=None, keras_quantizer="fp32", keras_accumulator="fp32",
                          for_reference=False)
    energy = q.pe(weights_on_memory="sram", activations_on_memory="sram", min_sram_size=8 * 16 * 1024 * 1024,
                  rd_wr_on_io=False)

    kernel = model.get_layer("out").get_weights()[0]
    index_table, codebook_table = weight_compression(kernel, 2, axis=1, quantizer=quantized_bits(6, 0, alpha=1))

    float_x = x_in = Input((6,), name="finput")
    from tensorflow.keras.layers import Dense
    float_model = Model(x_in, Activation("relu", name="frelu")(Dense(4, name="fdense")(float_x)))
    q4 = quantized_bits(4, 0, alpha=1)
    recurrent = {"kernel_quantizer": q4, "recurrent_quantizer": q4, "bias_quantizer": q4,
                 "state_quantizer": quantized_bits(6, 2, alpha=1)}
    seq = s_in = Input((10, 3), name="seq")
    seq = QLSTM(4, activation="quantized_tanh(6)", return_sequences=True, name="lstm", **recurrent)(seq)
    seq = QActivation("quantized_bits(6, 2, alpha=1)", name="lstm_q")(seq)
    seq = QBidirectional(QGRU(3, activation="quantized_tanh(6)", return_sequences=True, **recurrent), name="bigru")(seq)
    seq = QActivation("quantized_bits(6, 2, alpha=1)", name="bigru_q")(seq)
    seq = QSimpleRNN(2, activation="quantized_tanh(6)", name="rnn", **recurrent)(seq)
    rnn_model = Model(s_in, seq)
    rnn_model.compile(optimizer="adam", loss="mse")
    rnn_model.fit(rng.normal(size=(32, 10, 3)), rng.normal(size=(32, 2)), epochs=1, verbose=0)
    rnn_model.save(WORK + "/rnn.keras")
    rnn_restored = load_qmodel(WORK + "/rnn.keras")

    up = u_in = Input((4, 4, 2), name="image")
    up = QSeparableConv2DTranspose(3, (3, 3), strides=(2, 2), depthwise_kernel_quantizer=q4,
                                   pointwise_kernel_quantizer=q4, bias_quantizer=q4, name="sep_up")(up)
    up = QDepthwiseConv2DTranspose(3, (2, 2), strides=(2, 2), depthwise_kernel_quantizer=q4, name="dw_up")(up)
    high, low = QOctaveConv2D(4, (3, 3), 0.5, padding="same", kernel_quantizer=q4, bias_quantizer=q4,
                              use_separable=False, name="octave")([up, None])
    up_model = Model(u_in, [high, low])
    up_model.save(WORK + "/up.keras")
    up_restored = load_qmodel(WORK + "/up.keras")

    thermometer = BinaryToThermometer(np.array([[3], [5]]), 2, 8)
    kernel_type = QuantizerFactory().make_quantizer(quantized_bits(8, 3, 1))

    quantized = model_quantize(float_model, {"QDense": {"kernel_quantizer": "quantized_bits(4,0,1)",
                                                        "bias_quantizer": "quantized_bits(4,0,1)"}},
                               activation_bits=4, transfer_weights=True)
''')


def hwq_project(script: str) -> str:
    """The one-word change: `qkeras` -> `hwq.qkeras` on import lines (and tf.keras -> keras, which Keras 3 is)."""
    out = []
    for line in script.splitlines():
        if line.lstrip().startswith(("from ", "import ")):
            line = re.sub(r"\bqkeras\b", "hwq.qkeras", line).replace("tensorflow.keras", "keras")
        out.append(line)
    return "\n".join(out)


@pytest.mark.slow
def test_a_qkeras_project_runs_with_its_imports_changed(tmp_path, capsys) -> None:
    scope = {"WORK": str(tmp_path)}
    exec(compile(hwq_project(QKERAS_PROJECT), "qkeras_project.py", "exec"), scope)
    model, restored = scope["model"], scope["restored"]
    x = np.random.default_rng(1).normal(size=(16, 8, 8, 2)).astype(np.float32)
    assert np.array_equal(model.predict(x, verbose=0), restored.predict(x, verbose=0))
    assert "Number of operations in model" in capsys.readouterr().out  # print_qstats' report
    assert scope["operations"] and set(scope["operations"]) >= {"conv", "dw", "out"}
    assert scope["energy"]  # qtools' per-layer energy
    assert scope["index_table"].shape == scope["kernel"].shape and scope["codebook_table"].shape == (3, 4)
    quantized = scope["quantized"]
    assert type(quantized.get_layer("fdense")).__name__ == "QDense"
    assert scope["thermometer"].shape == (2, 2) and scope["kernel_type"].bits == 8
    rnn_model, rnn_restored = scope["rnn_model"], scope["rnn_restored"]
    seqs = np.random.default_rng(2).normal(size=(8, 10, 3)).astype(np.float32)
    assert np.array_equal(rnn_model.predict(seqs, verbose=0), rnn_restored.predict(seqs, verbose=0))
    graph = hwq.lower(rnn_restored, input_type="ap_fixed<6,3>")  # and into the flow: three loops, one bidirectional
    assert [n.op for n in graph.nodes].count("recurrence") == 4 and graph.meta["notes"]["keras_float32_exact"]
    seqs = to_float(quantize(seqs, graph.input.type), graph.input.type)
    assert np.array_equal(graph.simulate(seqs), np.asarray(rnn_restored.predict(seqs, verbose=0), dtype=np.float64))
    up_model, up_restored = scope["up_model"], scope["up_restored"]
    images = np.random.default_rng(3).normal(size=(4, 4, 4, 2)).astype(np.float32)
    for a, b in zip(up_model.predict(images, verbose=0), up_restored.predict(images, verbose=0), strict=True):
        assert np.array_equal(a, b)


# QKeras' modules and the public names hwq offers in them, each to be hwq's own object (found where hwq keeps it)
MODULES = {
    "quantizers": (hwq.quantizers, ["quantized_bits", "quantized_relu", "quantized_po2", "ternary", "binary",
                                    "get_quantizer", "BaseQuantizer", "quantized_tanh", "quantized_sigmoid"]),
    "base_quantizer": (hwq.quantizers, ["BaseQuantizer"]),
    "quantizer_imports": (hwq.quantizers, ["quantized_bits", "quantized_ulaw", "stochastic_ternary"]),
    "quantizer_registry": (hwq.quantizers.registry, ["register_quantizer", "lookup_quantizer"]),
    "registry": (hwq.quantizers.registry, ["Registry"]),
    "safe_eval": (hwq.quantizers.strings, ["safe_eval", "GetParams", "GetArg", "Num", "Str", "IsNum", "IsBool",
                                           "IsNone", "Bool", "ListofNums", "IsListofNums"]),
    "qlayers": (hwq.layers, ["QDense", "QActivation", "QAdaptiveActivation", "Clip"]),
    "qconvolutional": (hwq.layers, ["QConv1D", "QConv2D", "QConv2DTranspose", "QDepthwiseConv2D",
                                    "QSeparableConv1D", "QSeparableConv2D", "QMobileNetSeparableConv2D"]),
    "qpooling": (hwq.layers, ["QAveragePooling2D", "QGlobalAveragePooling2D"]),
    "qnormalization": (hwq.layers, ["QBatchNormalization"]),
    "qconv2d_batchnorm": (hwq.layers, ["QConv2DBatchnorm"]),
    "qdepthwiseconv2d_batchnorm": (hwq.layers, ["QDepthwiseConv2DBatchnorm"]),
    "qdense_batchnorm": (hwq.layers, ["QDenseBatchnorm"]),
    "utils": (hwq.utils, ["model_quantize", "model_save_quantized_weights", "load_qmodel", "print_qstats",
                          "quantized_model_from_json", "get_model_sparsity"]),
    "estimate": (hwq.estimate, ["analyze_accumulator", "analyze_accumulator_from_sample", "create_activation_cache",
                                "extract_model_operations", "get_operation_type", "get_quant_mode", "print_qstats"]),
    "callbacks": (hwq.utils, ["QNoiseScheduler"]),
    "qtools.run_qtools": (importlib.import_module("hwq.qtools"), ["QTools"]),
    "qrecurrent": (hwq.layers, ["QSimpleRNN", "QSimpleRNNCell", "QLSTM", "QLSTMCell", "QGRU", "QGRUCell",
                                "QBidirectional"]),
    "qmac": (hwq.layers, ["QScaleShift"]),
    "bn_folding_utils": (importlib.import_module("hwq.utils.unfold"), ["unfold_model",
                                                                        "convert_folded_layer_to_unfolded"]),
    "codebook": (importlib.import_module("hwq.codebook"), ["weight_compression", "activation_compression",
                                                            "create_in_out_table", "two_tier_embedding_compression"]),
    "qdepthwise_conv2d_transpose": (hwq.layers, ["QDepthwiseConv2DTranspose"]),
    "qseparable_conv2d_transpose": (hwq.layers, ["QSeparableConv2DTranspose"]),
    "qoctave": (hwq.layers, ["QOctaveConv2D", "OctaveConv2D", "GetActivationSuffix"]),
    "b2t": (importlib.import_module("hwq.utils.thermometer"), ["BinaryToThermometer"]),
    "qtables": (importlib.import_module("hwq.utils.codebook_tables"), ["codebook_embeddings", "create_in_out_table",
                                                                        "create_indirect_indexes"]),
    "qtools.quantized_operators.quantizer_impl": (importlib.import_module("hwq.qtools.quantizer_impl"),
                                                  ["QuantizedBits", "PowerOfTwo", "Ternary", "Binary"]),
    "qtools.quantized_operators.multiplier_impl": (importlib.import_module("hwq.qtools.multiplier_impl"),
                                                   ["Mux", "XorGate", "Shifter", "FixedPointMultiplier"]),
}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_qkeras_module_offers_hwqs_own_objects(module: str) -> None:
    facade = importlib.import_module(f"hwq.qkeras.{module}")
    home, names = MODULES[module]
    for name in names:
        assert getattr(facade, name) is getattr(home, name), (module, name)
    assert set(names) <= set(facade.__all__)


def test_bn_folding_utils_offers_the_folded_bias_helper_too() -> None:
    import hwq.qkeras.bn_folding_utils as facade
    import hwq.qtools.folded_bias as home

    assert facade.populate_bias_quantizer_from_accumulator is home.populate_bias_quantizer_from_accumulator


def test_the_package_offers_what_from_qkeras_import_star_gives() -> None:
    import hwq.qkeras as qk

    for name in ["QDense", "QLSTM", "QBidirectional", "quantized_bits", "analyze_accumulator",
                 "create_activation_cache", "safe_eval", "GetParams", "Registry", "get_constraint", "get_initializer",
                 "get_auto_range_constraint_initializer", "deconv_output_length", "QInitializer"]:
        assert name in qk.__all__ and hasattr(qk, name), name


def test_safe_eval_reads_arguments_as_qkeras_does() -> None:
    from hwq.qkeras.safe_eval import GetArg, GetParams, IsListofNums, IsNum, ListofNums, safe_eval

    assert GetParams("(4, 0.5, alpha=1, name='x', flag=True, none=None, ks=[1 2 3])") == \
        ([4, 0.5], {"alpha": 1, "name": "x", "flag": True, "none": None, "ks": [1, 2, 3]})
    assert GetParams("()") == ([], {})
    with pytest.raises(SyntaxError):
        GetParams("(alpha=1, 4)")
    assert GetArg("'auto_po2'") == "auto_po2" and GetArg("relu") == "relu"  # an unquoted word kept whole
    assert IsNum("-3e2") and not IsNum("x") and IsListofNums("[1 2]") and not IsListofNums("[1]")
    assert ListofNums("[1 2.5]") == [1, 2.5]
    q = safe_eval("quantized_bits(4, 0, alpha=1)", {"quantized_bits": hwq.quantizers.quantized_bits})
    assert isinstance(q, hwq.quantizers.quantized_bits) and (q.bits, q.integer, q.alpha) == (4, 0, 1)
    q = safe_eval("quantized_bits", {"quantized_bits": hwq.quantizers.quantized_bits}, 6, integer=2)
    assert (q.bits, q.integer) == (6, 2)  # extra params appended, a class called with them
    assert safe_eval("quantized_bits", {"quantized_bits": hwq.quantizers.quantized_bits}).bits == 8
    assert safe_eval("relu", {}) is keras.activations.relu  # not in op_dict: a Keras activation


def test_registries() -> None:
    from hwq.qkeras.quantizer_registry import lookup_quantizer
    from hwq.qkeras.registry import Registry

    assert lookup_quantizer("ternary") is hwq.quantizers.ternary
    with pytest.raises(KeyError, match="no quantizer is registered as 'nope'"):
        lookup_quantizer("nope")
    r = Registry()
    r.register(np.add)
    r.register(np.subtract, name="minus")
    assert r.lookup("add") is np.add and r.lookup("minus") is np.subtract
    with pytest.raises(KeyError):
        r.lookup("multiply")


def test_weight_helpers_of_qlayers() -> None:
    from hwq.qkeras.qlayers import QInitializer, get_auto_range_constraint_initializer, get_constraint, get_initializer

    q = hwq.quantizers.quantized_bits(4, 2, alpha=1)
    c = get_constraint(None, q)
    assert isinstance(c, Clip) and (c.min_value, c.max_value) == (-float(q.max()), float(q.max()))
    c = get_constraint(None, hwq.quantizers.quantized_bits(4, 0, alpha=1))
    assert (c.min_value, c.max_value) == (-1.0, 1.0)  # at least +-1
    c = get_constraint({"class_name": "Clip", "config": {"min_value": -2, "max_value": 3}}, q)
    assert (c.min_value, c.max_value) == (-2.0, 3.0)
    assert isinstance(get_constraint("non_neg", q), keras.constraints.NonNeg)
    assert get_initializer(None) is None
    assert isinstance(get_initializer("he_normal"), keras.initializers.HeNormal)
    with pytest.raises(ValueError, match="cannot interpret initializer"):
        get_initializer(3.5)
    constraint, initializer = get_auto_range_constraint_initializer(q, None, "glorot_uniform")
    assert isinstance(constraint, Clip) and isinstance(initializer, QInitializer)
    _, kept = get_auto_range_constraint_initializer(q, None, "zeros")
    assert isinstance(kept, keras.initializers.Zeros)
    _, kept = get_auto_range_constraint_initializer(hwq.quantizers.quantized_bits(4, 0, alpha="auto_po2"), None,
                                                    "glorot_uniform")
    assert isinstance(kept, keras.initializers.GlorotUniform)  # a trained scale: its range is not known yet
    assert get_auto_range_constraint_initializer(None, "c", "i") == ("c", "i")


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_deconv_output_length_is_keras_conv_transpose_shape(padding: str) -> None:
    from hwq.qkeras.qconvolutional import deconv_output_length

    for k in (1, 2, 3, 5):
        for s in (1, 2, 3):
            for n in (1, 4, 7):
                for op in [None, *range(s)]:
                    layer = keras.layers.Conv2DTranspose(1, (k, 1), strides=(s, 1), padding=padding,
                                                         output_padding=None if op is None else (op, 0))
                    want = layer.compute_output_shape((None, n, 1, 1))[1]
                    assert deconv_output_length(n, k, padding, op, s) == want, (k, s, n, op)
    assert deconv_output_length(None, 3, padding) is None
    assert deconv_output_length(4, 3, "full", stride=2) == 4 * 2 - (2 + 3 - 2)
