"""lower(): what it accepts, what it refuses (with errors naming the layer), and the CLI around it."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import pytest

import hwq
from hwq.cli import main as cli_main
from hwq.frontend import UnsupportedLayerError
from hwq.layers import QActivation, QDense
from hwq.quantizers import quantized_bits, quantized_relu


def small_model(*middle, first=True, name="m"):
    head = [keras.Input((4,), name="x")]
    if first:
        head.append(QActivation(quantized_bits(8, 3, alpha=1), name="in_q"))
    return keras.Sequential(head + list(middle), name=name)


def qdense(units=3, name="d", **kw):
    kw.setdefault("kernel_quantizer", quantized_bits(6, 0, alpha=1))
    kw.setdefault("bias_quantizer", quantized_bits(6, 0, alpha=1))
    return QDense(units, name=name, **kw)


def test_lowers_types_from_quantizers():
    graph = hwq.lower(small_model(qdense(activation=quantized_relu(6, 0))))
    assert str(graph.input.type) == "ap_fixed<8,4,AP_RND_CONV,AP_SAT>"
    assert [n.op for n in graph.nodes] == ["dense", "quantize"]
    assert str(graph.output.type) == "ap_ufixed<6,0,AP_RND_CONV,AP_SAT>"
    dense = graph.nodes[0]
    assert dense.params["kernel"].type.width == 6 and dense.attrs["multiplier"] == "mult"
    assert "accumulator" in graph.summary()


def test_unsupported_layer_is_named_with_the_supported_list():
    model = small_model(qdense(), keras.layers.BatchNormalization(name="bn_7"))
    with pytest.raises(UnsupportedLayerError, match=r"bn_7.*BatchNormalization.*supported layers: .*QDense"):
        hwq.lower(model)


def test_missing_input_quantizer_asks_for_input_type():
    model = small_model(qdense(activation=quantized_relu(6, 0)), first=False)
    with pytest.raises(UnsupportedLayerError, match="input_type"):
        hwq.lower(model)
    graph = hwq.lower(model, input_type="ap_fixed<16,6>")
    assert str(graph.input.type) == "ap_fixed<16,6>"


def test_float_kernel_is_refused():
    model = small_model(QDense(3, name="plain", kernel_quantizer=None, bias_quantizer=None))
    with pytest.raises(UnsupportedLayerError, match="plain.*kernel_quantizer"):
        hwq.lower(model)


def test_auto_po2_kernel_lowers_to_exact_weights():
    # QKeras turns a kernel quantizer with alpha=None into alpha='auto_po2': per-channel power-of-two
    # scales, folded into the constant weights
    model = small_model(qdense(name="auto", kernel_quantizer=quantized_bits(6, 0)))
    model.set_weights([np.random.default_rng(0).normal(0, 0.3, w.shape) for w in model.get_weights()])
    graph = hwq.lower(model)
    assert model.layers[1].kernel_quantizer_internal.alpha == "auto_po2"
    x = np.random.default_rng(1).uniform(-10, 10, size=(500, 4)).astype(np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0).astype(np.float64), graph.simulate(x))


def test_softmax_activation_is_refused():
    model = small_model(qdense(name="head", activation="softmax"))
    with pytest.raises(UnsupportedLayerError, match="head.*softmax"):
        hwq.lower(model)


def test_illegal_and_reserved_names_become_identifiers():
    model = small_model(qdense(name="module"), QActivation(quantized_relu(4, 0), name="1-relu.x"),
                        qdense(name="for", units=2), name="my-model")
    graph = hwq.lower(model)
    for label in [graph.name] + [n.name for n in graph.nodes] + list(graph.values()):
        assert label.isidentifier() and label not in ("module", "for")


def test_keras_save_load_round_trip(tmp_path):
    model = small_model(qdense(activation=quantized_relu(6, 0)), qdense(units=2, name="out"))
    model.set_weights([np.random.default_rng(0).normal(size=w.shape) for w in model.get_weights()])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.random.default_rng(1).uniform(-10, 10, (300, 4)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert hwq.lower(loaded).to_dict()["nodes"] == hwq.lower(model).to_dict()["nodes"]


def test_cli_convert_refuses_existing_folder_unless_overwrite(tmp_path, capsys):
    model = small_model(qdense(activation=quantized_relu(6, 0)))
    path = tmp_path / "m.keras"
    model.save(path)
    out = tmp_path / "prj"
    assert cli_main(["convert", str(path), "-o", str(out), "--backend", "vitis"]) == 0
    assert (out / "graph.json").is_file()
    assert cli_main(["convert", str(path), "-o", str(out), "--backend", "vitis"]) == 1
    assert "exists" in capsys.readouterr().err
    assert cli_main(["convert", str(path), "-o", str(out), "--backend", "catapult", "--overwrite"]) == 0
    assert cli_main(["report", str(path)]) == 0
    assert "accumulator" in capsys.readouterr().out


def test_until_lowers_up_to_a_layer_and_says_what_is_left_out():
    model = small_model(qdense(name="logits", units=2), keras.layers.Activation("softmax", name="probs"))
    with pytest.raises(UnsupportedLayerError, match="probs.*softmax.*until="):
        hwq.lower(model)
    graph = hwq.lower(model, until="logits")
    assert graph.meta["left_out"] == ["probs"]
    assert "not lowered (the exact chain stops before them): probs" in graph.summary()
    x = np.random.default_rng(0).uniform(-10, 10, size=(300, 4)).astype(np.float32)
    logits = keras.Model(model.inputs, model.get_layer("logits").output)
    np.testing.assert_array_equal(graph.simulate(x), logits.predict(x, verbose=0).astype(np.float64))
    with pytest.raises(UnsupportedLayerError, match="until='nope'.*no such layer"):
        hwq.lower(model, until="nope")


def test_power_of_two_weights_are_sized_by_the_exponents_they_use() -> None:
    from hwq.quantizers import quantized_po2

    x = keras.Input((8,))
    dense = QDense(4, kernel_quantizer=quantized_po2(12), bias_quantizer=quantized_bits(8, 3, alpha=1), name="po2")
    model = keras.Model(x, dense(x))  # quantized_po2(12)'s grid spans 2^-2047..2^2047
    model.get_layer("po2").kernel.assign(np.random.default_rng(0).uniform(-1, 1, (8, 4)).astype(np.float32))
    graph = hwq.lower(model, input_type="ap_fixed<8,3>")
    kernel = graph.node("po2").params["kernel"]
    assert kernel.type.width <= 32
    xs = np.random.default_rng(1).integers(-128, 128, (300, 8)) / 32
    assert np.array_equal(graph.simulate(xs), np.asarray(model.predict(xs, verbose=0), dtype=np.float64))


def test_weights_too_wide_to_hold_and_po2_activations_beyond_float32_are_refused_by_name() -> None:
    from hwq.quantizers import quantized_po2

    x = keras.Input((2,))
    wide = QDense(1, kernel_quantizer=quantized_po2(12), use_bias=False, name="wide")
    model = keras.Model(x, wide(x))
    wide.kernel.assign(np.array([[2.0 ** -20], [2.0 ** 110]], dtype=np.float32))
    with pytest.raises(UnsupportedLayerError, match=r"'wide' \(QDense\): its kernel values need .* \(131 bits\)"):
        hwq.lower(model, input_type="ap_fixed<8,3>")
    act = QActivation(quantized_po2(12), name="po2_act")
    with pytest.raises(UnsupportedLayerError, match=r"'po2_act'.*beyond float32's exponents"):
        hwq.lower(keras.Model(x, act(QDense(1, kernel_quantizer=quantized_bits(4, 0, alpha=1),
                                            bias_quantizer=quantized_bits(4, 0, alpha=1))(x))),
                  input_type="ap_fixed<8,3>")
