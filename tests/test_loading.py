"""Loading QKeras models: the real Keras 2 JSON + H5 files and the qkeras-v3 .keras file in ../shared/models.

The predictions of the loaded models are checked against a numpy forward pass written here from
the QKeras formulas, on weights read from the H5 files with h5py directly (not through hwq).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

import hwq
import hwq.layers
from hwq.frontend import UnsupportedLayerError
from hwq.layers import QActivation, QDense
from hwq.loading import ModelLoadError, QInitializer, load_model, load_qkeras

MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "models"
needs_models = pytest.mark.skipif(not MODELS.is_dir(), reason=f"the shared QKeras models are not at {MODELS}")

JET = ("qkeras_3layer.json", "qkeras_3layer_weights.h5")
MNIST_DENSE = ("qkeras_mnist_dense.json", "qkeras_mnist_dense_weights.h5")
MNIST_CNN = ("qkeras_mnist_cnn.json", "qkeras_mnist_cnn_weights.h5")
JET_V3 = "qkeras-v3_3layer.keras"
INPUT_TYPE = "ap_fixed<16,6>"


def load(files: tuple[str, str]) -> keras.Model:
    return load_qkeras(MODELS / files[0], MODELS / files[1])


def h5_weights(name: str) -> dict[str, np.ndarray]:
    """{"fc1/kernel": array, ...} straight from the file (tf.keras 2 layout: <layer>/<layer>/<weight>:0)."""
    out = {}
    with h5py.File(MODELS / name, "r") as f:
        def visit(path, obj):
            if isinstance(obj, h5py.Dataset):
                layer, weight = path.split("/")[0], path.rsplit("/", 1)[-1].split(":")[0]
                out[f"{layer}/{weight}"] = np.asarray(obj, dtype=np.float64)
        f.visititems(visit)
    return out


def on_grid(rng: np.random.Generator, n: int, width: int, frac: int, cols: int) -> np.ndarray:
    """n random rows of ap_fixed<width, width-frac> values (what the input port carries), as float32."""
    m = rng.integers(-(2 ** (width - 1)), 2 ** (width - 1), size=(n, cols))
    return (m * 2.0 ** -frac).astype(np.float32)


# -- QKeras' formulas in numpy (float64), written from the documented definitions ------------------------


def np_quantized_bits(x, bits, integer, symmetric=0, keep_negative=True, alpha=1.0):
    """Fixed-alpha quantized_bits: alpha · 2^i · clip(round_half_even(x·m/2^i), lo, m−1) / m."""
    m = 2.0 ** (bits - int(keep_negative))
    mi = 2.0 ** integer
    lo = (-m + symmetric) if keep_negative else 0.0
    return alpha * mi * np.clip(np.round(x * m / mi), lo, m - 1) / m


def np_quantized_relu(x, bits, integer=0):
    """quantized_relu without slope: 2^i · clip(round_half_even(x·2^bits/2^i) / 2^bits, 0, 1 − 2^−bits)."""
    m = 2.0 ** bits
    mi = 2.0 ** integer
    return mi * np.clip(np.round(x * m / mi) / m, 0.0, 1.0 - 1.0 / m)


def np_quantized_po2(x, bits, max_value=None):
    """quantized_po2 ('rnd'): sign(x) (0 -> +) · 2^clip(round(log2 min(|x|, max_value)), lo, hi); |x| < 1e-7
    -> 2^lo. One bit holds the value's sign, one the exponent's sign unless max_value <= 1."""
    exponent_bits = bits - 1 - (0 if (max_value is not None and max_value <= 1) else 1)
    lo, hi = -(2 ** exponent_bits), 2 ** exponent_bits - 1
    a = np.abs(x)
    y = np.where(a < 1e-7, 1e-7, a)
    if max_value is not None:
        y = np.minimum(y, max_value)
    # log2 of a float32 never lands within float64 rounding of k + 1/2 (that is 2^k·sqrt 2, irrational)
    e = np.clip(np.round(np.log2(y)), lo, hi)
    e = np.where(a < 1e-7, lo, e)
    sign = np.where(x < 0, -1.0, 1.0)
    return sign * 2.0 ** e


def np_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def jet_reference(x: np.ndarray, w: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(logits, softmax) of the jet tagger: QDense(quantized_bits(6,0,alpha=1)) + quantized_relu(6,0), ×3, QDense."""
    h = x.astype(np.float64)
    for name in ("fc1", "fc2", "fc3", "output"):
        k = np_quantized_bits(w[f"{name}/kernel"], 6, 0)
        b = np_quantized_bits(w[f"{name}/bias"], 6, 0)
        h = h @ k + b
        if name != "output":
            h = np_quantized_relu(h, 6, 0)
    return h, np_softmax(h)


def mnist_dense_reference(x: np.ndarray, w: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """quantized_relu(2) -> QDense(20, quantized_po2(4,1), bias quantized_bits(2,0,1)) -> quantized_relu(3,1)
    -> QDense(10, quantized_bits(4,0,1,alpha=1), bias quantized_bits(4,0,1)). Bias quantizers with
    alpha=None stay on the fixed path (only kernel quantizers become 'auto_po2' in QKeras)."""
    h = np_quantized_relu(x.astype(np.float64), 2, 0)
    h = h @ np_quantized_po2(w["q_dense_2/kernel"], 4, max_value=1) + np_quantized_bits(w["q_dense_2/bias"], 2, 0, 1)
    h = np_quantized_relu(h, 3, 1)
    h = h @ np_quantized_bits(w["q_dense_3/kernel"], 4, 0, 1) + np_quantized_bits(w["q_dense_3/bias"], 4, 0, 1)
    return h, np_softmax(h)


def logits_model(model: keras.Model, last: str) -> keras.Model:
    """The model up to layer `last` (its logits): softmax is float, not exact hardware, so lower() refuses it."""
    return keras.Model(model.inputs, model.get_layer(last).output, name=f"{model.name}_logits")


# -- the jet tagger --------------------------------------------------------------------------------------


@needs_models
def test_jet_tagger_loads_with_its_layers_quantizers_and_weights():
    model = load(JET)
    assert [type(layer).__name__ for layer in model.layers] == [
        "QDense", "QActivation", "QDense", "QActivation", "QDense", "QActivation", "QDense", "Activation"]
    assert model.input_shape == (None, 16) and model.output_shape == (None, 5)
    fc1 = model.get_layer("fc1")
    assert isinstance(fc1, QDense) and fc1.units == 64
    assert str(fc1.kernel_quantizer_internal) == "quantized_bits(6,0,0,alpha=1)"
    assert str(fc1.bias_quantizer_internal) == "quantized_bits(6,0,0,alpha=1)"
    assert isinstance(fc1.kernel_initializer, QInitializer)
    assert (fc1.kernel_constraint.min_value, fc1.kernel_constraint.max_value) == (-1.0, 1.0)
    assert str(model.get_layer("relu1").quantizer) == "quantized_relu(6,0)"
    w = h5_weights(JET[1])
    for layer in ("fc1", "fc2", "fc3", "output"):
        np.testing.assert_array_equal(model.get_layer(layer).kernel.numpy(), w[f"{layer}/kernel"])
        np.testing.assert_array_equal(model.get_layer(layer).bias.numpy(), w[f"{layer}/bias"])


@needs_models
def test_jet_tagger_predictions_equal_numpy_qkeras_formulas():
    model = load(JET)
    w = h5_weights(JET[1])
    x = on_grid(np.random.default_rng(0), 5000, 16, 10, 16)
    logits, probabilities = jet_reference(x, w)
    # exact: inputs on ap_fixed<16,6> times 6-bit weights need at most 24 bits per partial sum, which float32 holds
    np.testing.assert_array_equal(logits_model(model, "output").predict(x, verbose=0).astype(np.float64), logits)
    # softmax is float arithmetic (exp and a division in float32 against float64 here): close, not equal
    np.testing.assert_allclose(model.predict(x, verbose=0), probabilities, rtol=1e-5, atol=1e-7)


@needs_models
def test_jet_tagger_lowers_to_the_logits_and_simulates_like_keras():
    model = load(JET)
    with pytest.raises(UnsupportedLayerError, match="softmax"):
        hwq.lower(model, input_type=INPUT_TYPE)
    logits = logits_model(model, "output")
    with pytest.raises(UnsupportedLayerError, match="input_type"):
        hwq.lower(logits)
    graph = hwq.lower(logits, input_type=INPUT_TYPE)
    assert [n.op for n in graph.nodes] == ["dense", "quantize"] * 3 + ["dense"]
    assert str(graph.input.type) == INPUT_TYPE
    x = on_grid(np.random.default_rng(1), 10_000, 16, 10, 16)
    np.testing.assert_array_equal(graph.simulate(x), logits.predict(x, verbose=0).astype(np.float64))


# -- the MNIST dense model (power-of-two kernel) ------------------------------------------------------------


@needs_models
def test_mnist_dense_loads_string_quantizers_and_nested_initializers():
    model = load(MNIST_DENSE)
    assert type(model.layers[0]).__name__ == "InputLayer" and model.input_shape == (None, 784)
    assert str(model.get_layer("q_activation_2").quantizer) == "quantized_relu(2,0)"
    assert str(model.get_layer("q_activation_3").quantizer) == "quantized_relu(3,1)"
    dense = model.get_layer("q_dense_2")
    assert type(dense.kernel_quantizer_internal).__name__ == "quantized_po2"
    assert isinstance(dense.kernel_initializer, QInitializer)
    assert isinstance(dense.kernel_initializer.initializer, QInitializer)  # QKeras nested one in another
    w = h5_weights(MNIST_DENSE[1])
    np.testing.assert_array_equal(dense.kernel.numpy(), w["q_dense_2/kernel"])


@needs_models
def test_mnist_dense_predictions_equal_numpy_qkeras_formulas():
    model = load(MNIST_DENSE)
    w = h5_weights(MNIST_DENSE[1])
    rng = np.random.default_rng(2)
    # pixels in [0, 1] as MNIST feeds them, plus values past the input quantizer's range on both sides
    x = np.concatenate([rng.uniform(0, 1, (3000, 784)), rng.uniform(-2, 3, (1000, 784))]).astype(np.float32)
    logits, probabilities = mnist_dense_reference(x, w)
    # exact: quantized_relu(2) inputs (2^-2 steps) times 2^-8..1 weights: sums of 784 terms fit 20 bits
    np.testing.assert_array_equal(logits_model(model, "q_dense_3").predict(x, verbose=0).astype(np.float64), logits)
    # softmax is float arithmetic: close, not equal
    np.testing.assert_allclose(model.predict(x, verbose=0), probabilities, rtol=1e-5, atol=1e-7)


@needs_models
def test_mnist_dense_lowers_with_shift_multipliers_and_simulates_like_keras():
    logits = logits_model(load(MNIST_DENSE), "q_dense_3")
    graph = hwq.lower(logits, input_type=INPUT_TYPE)
    assert [n.op for n in graph.nodes] == ["quantize", "dense", "quantize", "dense"]
    assert [n.attrs["multiplier"] for n in graph.nodes if n.op == "dense"] == ["barrel", "mult"]
    x = on_grid(np.random.default_rng(3), 10_000, 16, 10, 784)
    np.testing.assert_array_equal(graph.simulate(x), logits.predict(x, verbose=0).astype(np.float64))


# -- the MNIST CNN --------------------------------------------------------------------------------------------

needs_qconv2d = pytest.mark.skipif(not hasattr(hwq.layers, "QConv2D"), reason="hwq.layers has no QConv2D yet")


def np_conv2d_valid(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Stride-1 'valid' convolution, channels last: out[n,i,j,o] = sum x[n,i+a,j+b,c]·k[a,b,c,o] + bias[o]."""
    kh, kw = kernel.shape[:2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # n, i, j, c, a, b
    return np.einsum("nijcab,abco->nijo", windows, kernel) + bias


def np_max_pool_2x2(x: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    h2, w2 = h // 2, w // 2
    return x[:, :2 * h2, :2 * w2, :].reshape(n, h2, 2, w2, 2, c).max(axis=(2, 4))


def mnist_cnn_reference(x: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    """Two QConv2D(16, 3x3, quantized_bits(6,0,alpha=1), relu) + quantized_relu(6,0) + 2x2 max pool, then
    QDense(10, quantized_bits(6,0,alpha=1)): the logits."""
    h = x.astype(np.float64)
    for conv in ("q_conv2d", "q_conv2d_1"):
        h = np_conv2d_valid(h, np_quantized_bits(w[f"{conv}/kernel"], 6, 0), np_quantized_bits(w[f"{conv}/bias"], 6, 0))
        h = np_max_pool_2x2(np_quantized_relu(np.maximum(h, 0.0), 6, 0))
    h = h.reshape(len(h), -1)  # Flatten, channels last; Dropout does nothing at inference
    return h @ np_quantized_bits(w["q_dense/kernel"], 6, 0) + np_quantized_bits(w["q_dense/bias"], 6, 0)


@needs_models
@needs_qconv2d
def test_mnist_cnn_loads_and_its_logits_equal_numpy_qkeras_formulas():
    model = load(MNIST_CNN)
    assert [type(layer).__name__ for layer in model.layers] == [
        "QConv2D", "QActivation", "MaxPooling2D", "QConv2D", "QActivation", "MaxPooling2D", "Flatten", "Dropout",
        "QDense", "Activation"]
    conv = model.get_layer("q_conv2d")
    assert str(conv.kernel_quantizer_internal) == "quantized_bits(6,0,0,alpha=1)"
    w = h5_weights(MNIST_CNN[1])
    np.testing.assert_array_equal(conv.kernel.numpy(), w["q_conv2d/kernel"])
    # pixels on an 8-bit grid: every partial sum then fits float32's 24 bits, so Keras is exact
    x = (np.random.default_rng(6).integers(0, 256, size=(200, 28, 28, 1)) / 256).astype(np.float32)
    logits = logits_model(model, "q_dense").predict(x, verbose=0).astype(np.float64)
    np.testing.assert_array_equal(logits, mnist_cnn_reference(x, w))


# -- errors name the layer and the field ---------------------------------------------------------------------


def write_model(tmp_path: Path, config: dict, name: str = "m.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return path


def tiny_config(**dense_overrides) -> dict:
    dense = {"name": "fc", "units": 3, "activation": "quantized_relu(4,0)",
             "kernel_quantizer": {"class_name": "quantized_bits", "config": {"bits": 4, "integer": 0, "alpha": 1}},
             "bias_quantizer": "quantized_bits(4,0,alpha=1)", "batch_input_shape": [None, 2]}
    dense.update(dense_overrides)
    layers = [{"class_name": "QDense", "config": dense}]
    return {"class_name": "Sequential", "config": {"name": "tiny", "layers": layers}}


def test_sequential_without_input_layer_takes_the_first_layers_input_shape(tmp_path):
    model = load_qkeras(write_model(tmp_path, tiny_config()))
    assert model.input_shape == (None, 2)
    assert str(model.get_layer("fc").activation) == "quantized_relu(4,0)"


def test_bad_quantizer_string_names_layer_and_field(tmp_path):
    path = write_model(tmp_path, tiny_config(bias_quantizer="quantized_bitz(4,0)"))
    with pytest.raises(ModelLoadError, match=r"layer 'fc' \(QDense\), field 'bias_quantizer'.*quantized_bitz"):
        load_qkeras(path)


def test_unknown_layer_class_is_named(tmp_path):
    config = tiny_config()
    config["config"]["layers"].append({"class_name": "QFancy", "config": {"name": "fancy_1"}})
    with pytest.raises(ModelLoadError, match=r"layer 'fancy_1' \(QFancy\).*hwq.layers has no QFancy"):
        load_qkeras(write_model(tmp_path, config))


def test_unknown_layer_field_is_named(tmp_path):
    with pytest.raises(ModelLoadError, match=r"layer 'fc' \(QDense\).*wobble"):
        load_qkeras(write_model(tmp_path, tiny_config(wobble=3)))


def legacy_h5(path: Path, layers: dict[str, dict[str, np.ndarray]]) -> Path:
    """A weights file in tf.keras 2's save_weights layout."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n in layers])
        for layer, weights in layers.items():
            g = f.create_group(layer)
            g.attrs["weight_names"] = np.array([f"{layer}/{w}:0".encode() for w in weights])
            for w, value in weights.items():
                g.create_dataset(f"{layer}/{w}:0", data=value)
    return path


def test_weights_with_the_wrong_shape_name_layer_and_weight(tmp_path):
    json_path = write_model(tmp_path, tiny_config())
    h5 = legacy_h5(tmp_path / "w.h5", {"fc": {"kernel": np.zeros((3, 3), np.float32), "bias": np.zeros(3, np.float32)}})
    with pytest.raises(ModelLoadError, match=r"layer 'fc' \(QDense\), field 'kernel'.*\(3, 3\).*\(2, 3\)"):
        load_qkeras(json_path, h5)


def test_weights_missing_or_extra_name_the_layer(tmp_path):
    json_path = write_model(tmp_path, tiny_config())
    with pytest.raises(ModelLoadError, match=r"layer 'fc' \(QDense\).*none for it"):
        load_qkeras(json_path, legacy_h5(tmp_path / "a.h5", {}))
    extra = {"fc": {"kernel": np.ones((2, 3), np.float32), "bias": np.zeros(3, np.float32)},
             "ghost": {"kernel": np.zeros((1, 1), np.float32)}}
    with pytest.raises(ModelLoadError, match=r"layer 'ghost'.*no such layer"):
        load_qkeras(json_path, legacy_h5(tmp_path / "b.h5", extra))


def _write_legacy_fc_weights(f, kernel) -> None:
    """tf.keras 2's whole-model layout: layer "fc" (kernel, zero bias of 3) under "model_weights"."""
    legacy = f.create_group("model_weights")
    legacy.attrs["layer_names"] = np.array([b"fc"])
    g = legacy.create_group("fc")
    g.attrs["weight_names"] = np.array([b"fc/kernel:0", b"fc/bias:0"])
    g.create_dataset("fc/kernel:0", data=kernel)
    g.create_dataset("fc/bias:0", data=np.zeros(3, np.float32))


def test_whole_model_h5_layout_is_read(tmp_path):
    # model.save("x.h5") in tf.keras 2 nests the layer groups under "model_weights"
    json_path = write_model(tmp_path, tiny_config())
    kernel = np.arange(6, dtype=np.float32).reshape(2, 3) / 16
    with h5py.File(tmp_path / "full.h5", "w") as f:
        _write_legacy_fc_weights(f, kernel)
    model = load_qkeras(json_path, tmp_path / "full.h5")
    np.testing.assert_array_equal(model.get_layer("fc").kernel.numpy(), kernel)


def test_functional_config_with_a_shared_input(tmp_path):
    x_ref = ["inp", 0, 0, {}]
    layers = [
        {"class_name": "InputLayer", "name": "inp", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "inp"}},
        {"class_name": "QActivation", "name": "a", "inbound_nodes": [[x_ref]],
         "config": {"name": "a", "activation": "quantized_bits(8,2,alpha=1)"}},
        {"class_name": "QActivation", "name": "b", "inbound_nodes": [[x_ref]],
         "config": {"name": "b", "activation": {"class_name": "quantized_relu", "config": {"bits": 4, "integer": 1}}}},
        {"class_name": "Add", "name": "sum", "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]],
         "config": {"name": "sum"}},
    ]
    config = {"class_name": "Functional", "config": {"name": "branchy", "layers": layers,
                                                      "input_layers": [["inp", 0, 0]],
                                                      "output_layers": [["sum", 0, 0]]}}
    model = load_qkeras(write_model(tmp_path, config))
    x = np.array([[0.3, -1.7, 2.2, 9.0]], np.float32)
    expected = np_quantized_bits(x.astype(np.float64), 8, 2) + np_quantized_relu(x.astype(np.float64), 4, 1)
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    assert isinstance(model.get_layer("b"), QActivation)


# -- .keras files: qkeras-v3's and hwq's -----------------------------------------------------------------------


@needs_models
def test_qkeras_v3_keras_file_loads_without_qkeras():
    model = hwq.load_model(MODELS / JET_V3)
    assert [type(layer).__name__ for layer in model.layers] == [
        "QDense", "QActivation", "QDense", "QActivation", "QDense", "QActivation", "QDense", "Activation"]
    assert type(model.get_layer("fc1")).__module__.startswith("hwq.")
    assert isinstance(model.get_layer("fc1").kernel_initializer, QInitializer)
    # the same trained weights as the Keras 2 files, read from the archive's own H5 with h5py
    with zipfile.ZipFile(MODELS / JET_V3) as archive, archive.open("model.weights.h5") as raw, \
            h5py.File(raw, "r") as f:
        kernel0 = np.asarray(f["layers/q_dense/vars/0"])
    np.testing.assert_array_equal(model.get_layer("fc1").kernel.numpy(), kernel0)
    w = h5_weights(JET[1])
    np.testing.assert_array_equal(kernel0, w["fc1/kernel"])
    x = on_grid(np.random.default_rng(4), 2000, 16, 10, 16)
    logits, _ = jet_reference(x, w)
    # exact, as for the Keras 2 files (float32 holds every partial sum)
    np.testing.assert_array_equal(logits_model(model, "output").predict(x, verbose=0).astype(np.float64), logits)


def rewrite_archive(source: Path, target: Path, edit) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            dst.writestr(item, data)
    return target


@needs_models
def test_qkeras_v3_class_without_hwq_counterpart_is_named(tmp_path):
    def edit(config):
        fc2 = config["config"]["layers"][3]
        fc2["class_name"], fc2["registered_name"] = "QFancyDense", "qkeras>QFancyDense"
    path = rewrite_archive(MODELS / JET_V3, tmp_path / "bad.keras", edit)
    with pytest.raises(ModelLoadError, match=r"layer 'fc2' \(QFancyDense\).*qkeras>QFancyDense.*no hwq counterpart"):
        load_model(path)


@needs_models
def test_qkeras_v3_keras_quantization_config_in_use_is_refused(tmp_path):
    def edit(config):
        config["config"]["layers"][1]["config"]["quantization_config"] = {"mode": "int8"}
    path = rewrite_archive(MODELS / JET_V3, tmp_path / "int8.keras", edit)
    with pytest.raises(ModelLoadError, match=r"layer 'fc1' \(QDense\), field 'quantization_config'"):
        load_model(path)


def test_hwq_keras_file_round_trips_with_its_qinitializer(tmp_path):
    model = load_qkeras(write_model(tmp_path, tiny_config(kernel_initializer={
        "class_name": "QInitializer", "config": {
            "initializer": {"class_name": "LecunUniform", "config": {"seed": 1}}, "use_scale": True,
            "quantizer": {"class_name": "quantized_bits", "config": {"bits": 4, "integer": 0, "alpha": 1}}}})))
    model.save(tmp_path / "tiny.keras")
    loaded = hwq.load_model(tmp_path / "tiny.keras")
    init = loaded.get_layer("fc").kernel_initializer
    assert isinstance(init, QInitializer) and str(init.quantizer) == "quantized_bits(4,0,0,alpha=1)"
    x = np.random.default_rng(5).normal(size=(64, 2)).astype(np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_load_model_reads_a_tf_keras_2_whole_model_h5(tmp_path):
    kernel = np.array([[0.25, -0.5, 0.125], [1.0, 0.0, -0.75]], np.float32)
    with h5py.File(tmp_path / "full.h5", "w") as f:
        f.attrs["model_config"] = json.dumps(tiny_config())
        _write_legacy_fc_weights(f, kernel)
    model = load_model(tmp_path / "full.h5")
    np.testing.assert_array_equal(model.get_layer("fc").kernel.numpy(), kernel)


def test_load_model_refuses_other_files_by_name(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ModelLoadError, match="notes.txt: neither"):
        load_model(tmp_path / "notes.txt")
    with pytest.raises(ModelLoadError, match="no such file"):
        load_model(tmp_path / "missing.keras")


# -- QInitializer ---------------------------------------------------------------------------------------------


def test_qinitializer_widens_a_draw_finer_than_the_grid():
    # every draw rounds to 0 on a 1/8 grid: the variance scale grows by max()/rms of the first draw
    init = QInitializer(keras.initializers.VarianceScaling(scale=1e-4, seed=3), use_scale=True,
                        quantizer="quantized_bits(4,0,alpha=1)")
    first = np.asarray(keras.initializers.VarianceScaling(scale=1e-4, seed=3)((256, 32)))
    init((256, 32))
    assert init.initializer.scale == pytest.approx(1e-4 / np.sqrt(np.mean(first.astype(np.float64) ** 2)), rel=1e-5)
    fixed = QInitializer(keras.initializers.VarianceScaling(scale=1e-4, seed=3), use_scale=False,
                         quantizer="quantized_bits(4,0,alpha=1)")
    fixed((256, 32))
    assert fixed.initializer.scale == 1e-4


def test_qinitializer_clips_to_the_quantizer_range():
    init = QInitializer(keras.initializers.RandomNormal(stddev=5.0, seed=1), use_scale=True,
                        quantizer="quantized_bits(6,2,alpha=1)")
    w = np.asarray(init((64, 64)))
    assert w.max() == 4.0 and w.min() == -4.0  # max() of quantized_bits(6,2) is 2^2


@pytest.mark.parametrize("class_name, extra", [
    ("QConv2DTranspose", {"filters": 2, "kernel_quantizer": "quantized_bits(4,0,alpha=1)"}),
    ("QDepthwiseConv2DTranspose", {"filters": 3, "depthwise_kernel_quantizer": "quantized_bits(4,0,alpha=1)"}),
    ("QSeparableConv2DTranspose", {"filters": 2, "depthwise_kernel_quantizer": "quantized_bits(4,0,alpha=1)",
                                   "pointwise_kernel_quantizer": "quantized_bits(4,0,alpha=1)"}),
])
def test_keras_2_transposed_convolutions_load_with_their_groups_field(tmp_path, class_name, extra):
    conv = {"name": "up", "kernel_size": [2, 2], "strides": [2, 2], "padding": "valid", "groups": 1,
            "bias_quantizer": "quantized_bits(4,0,alpha=1)", "batch_input_shape": [None, 3, 3, 3], **extra}
    config = {"class_name": "Sequential", "config": {"name": "ups", "layers": [{"class_name": class_name,
                                                                               "config": conv}]}}
    model = load_qkeras(write_model(tmp_path, config))
    assert type(model.get_layer("up")).__name__ == class_name and model.output_shape[1:3] == (6, 6)
    conv["groups"] = 2
    with pytest.raises(ModelLoadError, match=r"layer 'up'"):
        load_qkeras(write_model(tmp_path, config, "grouped.json"))
