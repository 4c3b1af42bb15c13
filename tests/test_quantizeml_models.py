"""hwq.quantizeml.models: QuantizationParams and its context, quantize, calibrate, check_quantization, dump_config,
save/load, apply_weights_to_model; and the accuracy kept by 8-bit and 4-bit quantization (slow)."""

import dataclasses
import time

import keras
import numpy as np
import pytest

from hwq.quantizeml.layers import Dequantizer, QuantizedDense
from hwq.quantizeml.models import (
    QuantizationParams,
    apply_weights_to_model,
    calibrate,
    calibration_required,
    check_quantization,
    dump_config,
    get_quantization_params,
    load_model,
    quantization,
    quantize,
    record_quantization_variables,
)

L = keras.layers
RNG = np.random.default_rng(1)


def image_samples(n=64, shape=(8, 8, 3)):
    return RNG.integers(0, 256, (n, *shape)).astype(np.float32)


def cnn(classes=4):
    """Rescaling, conv + batch norm + ReLU, max pool, depthwise and separable branches added, a 1x1 conv
    concatenated, global average pooling, dense."""
    inp = keras.Input((8, 8, 3))
    x = L.Rescaling(1 / 255)(inp)
    x = L.Conv2D(8, 3, padding="same")(x)
    x = L.BatchNormalization()(x)
    x = L.ReLU()(x)
    x = L.MaxPool2D()(x)
    a = L.ReLU()(L.DepthwiseConv2D(3, padding="same")(x))
    b = L.ReLU()(L.SeparableConv2D(8, 3, padding="same")(x))
    x = L.Add()([a, b])
    x = L.Concatenate()([x, L.Conv2D(4, 1)(x)])
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(inp, L.Dense(classes, name="head")(x))


def mlp(features=16, classes=4):
    return keras.Sequential([keras.Input((features,)), L.Rescaling(1 / 128), L.Dense(32), L.BatchNormalization(),
                             L.ReLU(), L.Dense(32), L.ReLU(), L.Dropout(0.1), L.Dense(classes, name="head")])


def agreement(model, qmodel, x):
    return float(np.mean(np.argmax(model(x), -1) == np.argmax(qmodel(x), -1)))


# ---- QuantizationParams and the context


def test_params_defaults_read_only_and_checked():
    params = QuantizationParams()
    assert (params.activation_bits, params.per_tensor_activations, params.weight_bits, params.output_bits,
            params.input_weight_bits, params.buffer_bits) == (8, False, 8, 8, 8, 32)
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.weight_bits = 4
    with pytest.raises(ValueError, match="weight_bits"):
        QuantizationParams(weight_bits=1)


def test_quantization_context_sets_and_restores_the_layer_defaults():
    assert get_quantization_params() == QuantizationParams()
    with quantization(QuantizationParams(buffer_bits=16)):
        assert get_quantization_params().buffer_bits == 16
        with quantization(QuantizationParams(buffer_bits=24)):
            assert QuantizedDense(2).quant_config["buffer_bitwidth"] == 24
        assert QuantizedDense(2).quant_config["buffer_bitwidth"] == 16
    assert get_quantization_params() == QuantizationParams()
    assert QuantizedDense(2).quant_config["buffer_bitwidth"] == 32


# ---- quantize


def test_quantize_cnn_structure_and_outputs():
    model, x = cnn(), image_samples()
    qmodel = quantize(model, samples=x)
    names = [type(layer).__name__ for layer in qmodel.layers]
    assert "QuantizedBatchNormalization" not in names  # folded into the conv
    assert names[-1] == "Dequantizer" and isinstance(qmodel.layers[-1], Dequantizer)
    head = qmodel.get_layer("head").out_quantizer  # integer outputs (hwq's rule), of output_bits, one grid
    assert head is not None and head.bitwidth == 8 and head.axis == "per-tensor"
    wide = quantize(model, q_config={"head": {"output_quantizer": None}}, samples=x)
    assert wide.get_layer("head").out_quantizer is None  # QuantizeML's wide float output, when asked for
    assert not calibration_required(qmodel)
    # untrained weights, 7-bit ReLU outputs (signed 8 bits) through five blocks: within 10% of the largest output
    np.testing.assert_allclose(qmodel(x), model(x), atol=0.1 * np.abs(model(x)).max())


def test_quantize_qparams_and_q_config():
    model = cnn()
    qparams = QuantizationParams(weight_bits=4, input_weight_bits=8, activation_bits=4)
    qmodel = quantize(model, q_config={"head": {"weight_quantizer": {"bitwidth": 6}}}, qparams=qparams,
                      num_samples=32)
    first = qmodel.get_layer(model.layers[2].name)  # the conv reading the (rescaled) input
    assert first.weight_quantizer.bitwidth == 8
    assert qmodel.get_layer("head").weight_quantizer.bitwidth == 6
    relus = [layer for layer in qmodel.layers if type(layer).__name__ == "QuantizedReLU"]
    assert all(r.out_quantizer.bitwidth == 4 and not r.out_quantizer.signed for r in relus)
    separable = next(layer for layer in qmodel.layers if type(layer).__name__ == "QuantizedSeparableConv2D")
    assert separable.pw_weight_quantizer.bitwidth == 4


def test_quantize_q_config_replaces_key_by_key_and_none_removes():
    model = mlp()
    names = [layer.name for layer in model.layers]
    q_config = {names[4]: {"output_quantizer": {"bitwidth": 6}}, "head": {"output_quantizer": {"bitwidth": 8}}}
    qmodel = quantize(model, q_config=q_config, num_samples=32)
    relu = qmodel.get_layer(names[4])
    assert relu.out_quantizer.bitwidth == 6 and relu.out_quantizer.axis == "per-tensor"  # axis kept from defaults
    assert qmodel.get_layer("head").out_quantizer.bitwidth == 8
    with pytest.raises(ValueError, match="not in the sanitized model"):
        quantize(model, q_config={"nope": {}}, num_samples=8)


def test_dump_config_requantizes_to_the_same_model():
    model, x = mlp(), RNG.integers(-128, 128, (32, 16)).astype(np.float32)
    first = quantize(model, qparams=QuantizationParams(weight_bits=4), samples=x)
    again = quantize(model, q_config=dump_config(first), samples=x)  # default qparams: the config decides
    assert dump_config(again) == dump_config(first)
    np.testing.assert_array_equal(again(x), first(x))


def test_unsupported_layer_is_named():
    model = keras.Sequential([keras.Input((4,)), L.Dense(3), L.LayerNormalization(name="norm"), L.Dense(2)])
    with pytest.raises(ValueError, match=r"'norm' \(LayerNormalization\).*supported layers are.*Dense"):
        quantize(model, num_samples=4)
    fused = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="tanh", name="fused")])
    with pytest.raises(ValueError, match="'fused'.*activation 'tanh'"):
        quantize(fused, num_samples=4)


def test_requantizing_is_refused():
    qmodel = quantize(mlp(), num_samples=8)
    with pytest.raises(ValueError, match="already quantized"):
        quantize(qmodel)


# ---- calibration, checks, recording


def test_calibrate_random_samples_and_progress(capsys):
    model = mlp()
    qmodel = quantize(model, num_samples=16)  # random int8 samples
    for layer in qmodel.layers:
        if getattr(layer, "out_quantizer", None) is not None:
            layer.out_quantizer.range_max.assign(np.ones_like(layer.out_quantizer.range_max.numpy()))
    assert calibration_required(qmodel)
    x = RNG.integers(-128, 128, (40, 16)).astype(np.float32)
    calibrate(model, qmodel, samples=x, batch_size=16, progress=True)
    assert not calibration_required(qmodel)
    assert "40/40" in capsys.readouterr().err


def test_check_quantization_finds_nothing_on_a_clean_model():
    model, x = mlp(), RNG.integers(-128, 128, (64, 16)).astype(np.float32)
    assert check_quantization(quantize(model, samples=x)) == []


def test_check_quantization_flags_a_model_built_to_saturate():
    # 64 inputs up to 127 times 8-bit weights need ~21 bits: a 16-bit buffer cannot hold the calibrated range
    inp = keras.Input((64,))
    model = keras.Model(inp, L.ReLU()(L.Dense(8)(inp)))
    model.layers[1].set_weights([np.full((64, 8), 0.5, np.float32), np.zeros(8, np.float32)])
    x = RNG.integers(0, 128, (32, 64)).astype(np.float32)
    qmodel = quantize(model, q_config={model.layers[1].name: {"output_quantizer": {"bitwidth": 8}}},
                      qparams=QuantizationParams(buffer_bits=16), samples=x)
    assert any("saturation" in m for m in check_quantization(qmodel))
    clean = quantize(model, q_config={model.layers[1].name: {"output_quantizer": {"bitwidth": 8}}}, samples=x)
    assert check_quantization(clean) == []


def test_check_quantization_flags_coarse_scales_and_missing_calibration():
    model, x = mlp(), RNG.integers(-128, 128, (64, 16)).astype(np.float32)
    dense = model.layers[4].name
    qmodel = quantize(model, q_config={dense: {"output_quantizer": {"scale_bits": 2}}}, samples=x)
    assert any("Scales quantization relative error" in m and dense in m for m in check_quantization(qmodel))
    qmodel.get_layer(dense).out_quantizer.range_max.assign(np.float32(1))
    assert any("is not calibrated" in m for m in check_quantization(qmodel))


def test_record_quantization_variables():
    qmodel = quantize(mlp(), num_samples=8)
    head = qmodel.get_layer("head")
    assert head.weight_quantizer.qweights.value is None
    record_quantization_variables(qmodel)
    assert head.weight_quantizer.qweights.value is not None


# ---- save, load, weights


def test_save_load_gives_identical_outputs(tmp_path):
    model, x = cnn(), image_samples(16)
    qmodel = quantize(model, samples=x)
    path = tmp_path / "q.keras"
    qmodel.save(path)
    loaded = load_model(str(path))
    np.testing.assert_array_equal(loaded(x), qmodel(x))
    assert dump_config(loaded) == dump_config(qmodel)


def test_apply_weights_to_model():
    model = mlp()
    kernel = model.get_layer("head").kernel
    with pytest.warns(UserWarning, match="'nope'"):
        apply_weights_to_model(model, {kernel.path + ":0": np.zeros(kernel.shape), "nope": np.zeros(1)})
    assert not np.any(kernel.numpy())


# ---- accuracy on a calibration task (slow: training)


def train(model, x, y, epochs):
    keras.utils.set_random_seed(0)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)  # the models end with logits
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return model


def accuracy_row(name, model, x):
    """(name, float accuracy is the reference, 8-bit and 4-bit argmax agreement, seconds per quantize)."""
    start = time.perf_counter()
    q8 = quantize(model, samples=x)
    seconds = time.perf_counter() - start
    q4 = quantize(model, qparams=QuantizationParams(weight_bits=4, activation_bits=4, output_bits=4,
                                                    input_weight_bits=8), samples=x)
    row = (name, agreement(model, q8, x), agreement(model, q4, x), seconds)
    print(f"\n{name}: 8-bit agreement {row[1]:.3f}, 4-bit agreement {row[2]:.3f}, quantize {seconds:.2f} s")
    return row


@pytest.mark.slow
def test_mlp_keeps_its_decisions():
    keras.utils.set_random_seed(0)
    x = RNG.integers(-128, 128, (512, 16)).astype(np.float32)
    y = np.argmax(x @ RNG.normal(size=(16, 4)), axis=1)  # a linear task, 4 classes
    model = train(mlp(), x, y, epochs=30)
    float_accuracy = float(np.mean(np.argmax(model(x), -1) == y))
    _, eight, four, _ = accuracy_row("mlp", model, x)
    print(f"mlp: float accuracy {float_accuracy:.3f}")
    assert float_accuracy > 0.8
    assert eight >= 0.99
    assert four > 0.5  # well above chance (0.25)


@pytest.mark.slow
def test_cnn_keeps_its_decisions():
    keras.utils.set_random_seed(0)
    y = RNG.integers(0, 3, 512)
    noise = RNG.integers(0, 200, (512, 8, 8, 3))
    x = np.clip(noise + 40 * np.eye(3)[y][:, None, None, :], 0, 255).astype(np.float32)  # the dominant colour
    model = train(cnn(classes=3), x, y, epochs=10)
    float_accuracy = float(np.mean(np.argmax(model(x), -1) == y))
    _, eight, four, _ = accuracy_row("cnn", model, x)
    print(f"cnn: float accuracy {float_accuracy:.3f}")
    assert float_accuracy > 0.8
    assert eight >= 0.99
    assert four > 0.5  # above chance (0.33)
