"""Models of hwq.quantizeml layers lowered into the IR (hwq.frontend.quantizeml): the integers each quantizer
recorded become integer constants, float scales only the OutputQuantizer's integer multipliers, and the graph
equals the Keras model exactly — simulate here, and the four implementations in the slow test.

The models are built from the layers directly, with output ranges set by hand (as calibration would set them), so
that these tests do not depend on hwq.quantizeml.models; test_quantizeml_models.py quantizes float models.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import hwq
from hwq.frontend.errors import UnsupportedLayerError
from hwq.quantizeml.layers import (
    Dequantizer,
    QuantizedAdd,
    QuantizedBatchNormalization,
    QuantizedConcatenate,
    QuantizedConv2D,
    QuantizedConv2DTranspose,
    QuantizedDense,
    QuantizedDepthwiseConv2D,
    QuantizedDepthwiseConv2DTranspose,
    QuantizedFlatten,
    QuantizedGlobalAveragePooling2D,
    QuantizedMaxPool2D,
    QuantizedReLU,
    QuantizedRescaling,
    QuantizedSeparableConv2D,
)
from hwq.verify import verify


def _oq(bits: int = 8, signed: bool = True, **extra) -> dict:
    return {"output_quantizer": {"bitwidth": bits, "signed": signed, **extra}}


def _ranged(model: keras.Model, ranges: dict[str, float], sample: np.ndarray) -> keras.Model:
    model(sample[:1])  # builds every quantizer
    for name, r in ranges.items():
        model.get_layer(name).out_quantizer.range_max.assign(np.float32(r))
    return model


def _mlp(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    i = keras.Input((16,))
    x = QuantizedDense(12, name="d1")(i)
    x = QuantizedReLU(max_value=6.0, name="r1", quant_config=_oq(8, False))(x)
    x = QuantizedDense(5, name="d2", quant_config=_oq(8))(x)
    return keras.Model(i, Dequantizer(name="deq")(x))


def _cnn(seed: int = 1, size: int = 8) -> keras.Model:
    """conv (same) -> relu -> max pool -> depthwise -> (1x1 conv, batch norm) -> add -> concatenate -> GAP -> dense."""
    keras.utils.set_random_seed(seed)
    i = keras.Input((size, size, 3))
    x = QuantizedConv2D(6, 3, padding="same", name="c1")(i)
    x = QuantizedReLU(max_value=None, name="r1", quant_config=_oq(8, False))(x)
    x = QuantizedMaxPool2D(2, name="p1")(x)
    x = QuantizedDepthwiseConv2D(3, padding="valid", name="dw", quant_config=_oq(8))(x)
    a = QuantizedConv2D(6, 1, name="c2", quant_config=_oq(8))(x)
    b = QuantizedBatchNormalization(name="bn", quant_config=_oq(8))(x)
    x = QuantizedAdd(name="add", quant_config=_oq(8))([a, b])
    y = QuantizedConcatenate(name="cat")([x, a])
    y = QuantizedGlobalAveragePooling2D(name="gap", quant_config=_oq(8))(y)
    y = QuantizedDense(4, name="d", quant_config=_oq(8))(y)
    model = keras.Model(i, Dequantizer()(y))
    model(np.zeros((1, size, size, 3), np.float32))
    bn = model.get_layer("bn")
    rng = np.random.default_rng(seed)
    bn.moving_variance.assign(rng.uniform(0.5, 2, 6).astype(np.float32))
    bn.gamma.assign(rng.uniform(-2, 2, 6).astype(np.float32))
    return model


CNN_RANGES = {"r1": 600.0, "dw": 700.0, "c2": 900.0, "bn": 300.0, "add": 900.0, "gap": 400.0, "d": 500.0}


def _inputs(shape: tuple[int, ...], n: int = 600, seed: int = 3) -> np.ndarray:
    x = np.random.default_rng(seed).uniform(-300, 300, (n, *shape)).astype(np.float32)
    x[:4] = [[-256.9], [255.9], [-0.99], [0.5]] if len(shape) == 1 else x[:4]  # the input's ends, toward zero
    return x


def test_an_mlp_lowers_to_the_integers_the_model_computes() -> None:
    x = _inputs((16,))
    model = _ranged(_mlp(), {"r1": 6.0, "d2": 16.0}, x)
    graph = hwq.lower(model)
    want = np.asarray(model(x))
    assert np.array_equal(graph.simulate(x), want)
    assert len(np.unique(want)) > 10
    ops = [n.op for n in graph.nodes]
    assert ops.count("dense") == 2 and ops.count("quantize") == 2  # one per output quantizer
    assert graph.inputs[0].type.rounding.value == "TRN_ZERO" and graph.inputs[0].type.width == 9
    assert graph.meta["notes"]["keras_float32_exact"]


def test_a_cnn_with_branches_lowers_exactly() -> None:
    model = _ranged(_cnn(), CNN_RANGES, np.zeros((1, 8, 8, 3), np.float32))
    x = _inputs((8, 8, 3), n=300)
    graph = hwq.lower(model)
    want = np.asarray(model(x))
    assert np.array_equal(graph.simulate(x), want)
    assert len(np.unique(want)) > 10
    ops = {n.op for n in graph.nodes}
    assert {"conv", "pool", "affine", "add", "concatenate", "dense", "quantize"} <= ops


def test_rescaled_inputs_through_a_separable_convolution() -> None:
    """QuantizedRescaling's float scale and the separable's products reach the hardware as integer multipliers; its
    scaled products can pass the buffer's limits, so they are clamped per channel as QuantizeML saturates them."""
    keras.utils.set_random_seed(3)
    i = keras.Input((7, 7, 3))
    x = QuantizedRescaling(1 / 255, name="rs")(i)
    x = QuantizedSeparableConv2D(5, 3, depth_multiplier=2, padding="same", name="sep", quant_config=_oq(8))(x)
    x = QuantizedReLU(max_value=6.0, name="r", quant_config=_oq(4, False))(x)
    x = QuantizedDense(3, name="d", quant_config=_oq(8))(QuantizedFlatten()(x))
    model = keras.Model(i, Dequantizer()(x))
    x = np.random.default_rng(0).uniform(0, 255, (400, 7, 7, 3)).astype(np.float32)
    _ranged(model, {"sep": 4.0, "r": 6.0, "d": 8.0}, x)
    graph = hwq.lower(model)
    want = np.asarray(model(x))
    assert np.array_equal(graph.simulate(x), want) and len(np.unique(want)) > 10
    assert any(n.name.startswith("sep_scaled_clamped") for n in graph.nodes)


def test_per_channel_output_grids_round_each_channel_on_its_own() -> None:
    """QuantizeML's default per-axis activations: each channel its own frac_bits, rounded on its own grid (scaled
    up by a power of two, rounded once, scaled back), held on the finest grid; ReLU, max pool, add, concatenate
    and GAP take such values as QuantizeML does."""
    keras.utils.set_random_seed(4)
    i = keras.Input((6, 6, 2))
    x = QuantizedConv2D(3, 3, name="c", quant_config=_oq(8, axis="per-axis"))(i)
    x = QuantizedReLU(max_value=6.0, name="r", quant_config=_oq(8, False, axis="per-axis"))(x)
    x = QuantizedMaxPool2D(2, name="p")(x)
    a = QuantizedConv2D(3, 1, name="c2", quant_config=_oq(8, axis="per-axis"))(x)
    y = QuantizedAdd(name="add", quant_config=_oq(8, axis="per-axis"))([a, x])
    y = QuantizedConcatenate(name="cat")([y, x])
    y = QuantizedGlobalAveragePooling2D(name="gap", quant_config=_oq(8))(y)
    model = keras.Model(i, Dequantizer()(y))
    x = _inputs((6, 6, 2), n=300)
    model(x[:1])
    for name, ranges in {"c": [10, 30, 100], "r": [2, 5, 6], "c2": [4, 8, 16], "add": [8, 8, 16], "gap": 8}.items():
        model.get_layer(name).out_quantizer.range_max.assign(np.asarray(ranges, np.float32))
    graph = hwq.lower(model)
    want = np.asarray(model(x))
    assert np.array_equal(graph.simulate(x), want) and len(np.unique(want)) > 10
    assert any(n.name == "c_output_rounded" for n in graph.nodes)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_transposed_convolutions_lower_as_a_spread_and_a_convolution(padding: str) -> None:
    keras.utils.set_random_seed(5)
    i = keras.Input((5, 5, 3))
    x = QuantizedConv2DTranspose(4, 3, strides=2, padding=padding, name="t", quant_config=_oq(8))(i)
    x = QuantizedDepthwiseConv2DTranspose(3, strides=2, padding=padding, name="dt", quant_config=_oq(8))(x)
    model = keras.Model(i, Dequantizer()(x))
    x = _inputs((5, 5, 3), n=200)
    _ranged(model, {"t": 600.0, "dt": 300.0}, x)
    graph = hwq.lower(model)
    want = np.asarray(model(x))
    assert np.array_equal(graph.simulate(x), want) and len(np.unique(want)) > 10
    assert [n.op for n in graph.nodes].count("pad") == 2


def test_a_float_scale_left_at_the_output_is_refused() -> None:
    keras.utils.set_random_seed(5)
    i = keras.Input((8,))
    model = keras.Model(i, Dequantizer(name="deq")(QuantizedDense(3, name="raw")(i)))
    model(np.zeros((1, 8), np.float32))
    with pytest.raises(UnsupportedLayerError, match="'deq'.*float scales.*output quantizer"):
        hwq.lower(model)


@pytest.mark.parametrize("fp_weights", [False, True])
def test_a_buffer_that_saturates_saturates_as_quantizeml_does(fp_weights: bool) -> None:
    """A 12-bit buffer that real inputs overflow: the products and the scaled products saturate there, channel by
    channel (power-of-two weights put each channel's integers on its own grid: a clamp per channel)."""
    keras.utils.set_random_seed(6)
    i = keras.Input((64,))
    config = {"buffer_bitwidth": 12, "weight_quantizer": {"bitwidth": 8, "fp_quantizer": fp_weights},
              **_oq(8, scale_bits=8, buffer_bitwidth=24)}
    model = keras.Model(i, Dequantizer()(QuantizedDense(6, name="narrow", quant_config=config)(i)))
    x = _inputs((64,), n=800)
    _ranged(model, {"narrow": 512.0}, x)
    graph = hwq.lower(model)
    want = np.asarray(model(x))
    assert np.array_equal(graph.simulate(x), want)
    assert any("_buffer" in n.name or "_clamped" in n.name for n in graph.nodes)
    wide = keras.Model(i, Dequantizer()(QuantizedDense(6, quant_config={**config, "buffer_bitwidth": 32})(i)))
    wide(x[:1])
    wide.layers[1].set_weights(model.layers[1].get_weights())
    wide.layers[1].out_quantizer.range_max.assign(np.float32(512.0))
    assert not np.array_equal(np.asarray(wide(x)), want)  # the narrow buffer did saturate


def test_padding_with_a_nonzero_value_is_refused() -> None:
    keras.utils.set_random_seed(7)
    i = keras.Input((5, 5, 2))
    x = QuantizedConv2D(2, 3, padding_value=1.0, name="padded", quant_config=_oq(8))(i)
    model = keras.Model(i, Dequantizer()(x))
    _ranged(model, {"padded": 500.0}, np.zeros((1, 5, 5, 2), np.float32))
    with pytest.raises(UnsupportedLayerError, match="'padded'.*pads with.*zeros"):
        hwq.lower(model)


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_quantizeml_models_are_equal_across_the_four_implementations(tmp_path) -> None:
    x = _inputs((16,), n=2000)
    mlp = _ranged(_mlp(), {"r1": 6.0, "d2": 16.0}, x)
    result = verify(mlp, data=x, workdir=tmp_path / "mlp")
    assert result.passed and {c.target for c in result.checks} == {"keras", "vitis", "catapult", "verilog"}
    assert all(c.mismatches == 0 and c.exact for c in result.checks)
    cnn = _ranged(_cnn(size=6), CNN_RANGES, np.zeros((1, 6, 6, 3), np.float32))
    result = verify(cnn, data=_inputs((6, 6, 3), n=300), workdir=tmp_path / "cnn")
    assert result.passed and all(c.mismatches == 0 for c in result.checks)


def _task(n: int = 256):
    """The colour task of test_quantizeml_models.py: the dominant channel of noisy 8x8 images."""
    rng = np.random.default_rng(11)
    y = rng.integers(0, 3, n)
    x = np.clip(rng.integers(0, 200, (n, 8, 8, 3)) + 40 * np.eye(3)[y][:, None, None, :], 0, 255)
    return x.astype(np.float32), y


@pytest.mark.parametrize("bits", [8, 4])
def test_quantized_float_models_lower_exactly(bits: int) -> None:
    """hwq.quantizeml.models.quantize on float models (the CNN: conv, batch norm, ReLU, max pool, depthwise,
    separable, add, concatenate, GAP, dense; the MLP: rescaling, dense, batch norm, ReLU, dropout), at 8 and 4 bits
    with QuantizeML's default per-axis activations, then hwq.lower: the same values."""
    from test_quantizeml_models import cnn, mlp

    from hwq.quantizeml.models import QuantizationParams, quantize

    keras.utils.set_random_seed(bits)
    params = QuantizationParams() if bits == 8 else QuantizationParams(4, False, 4, 4, 8)
    x, _ = _task()
    for model, samples in ((cnn(classes=3), x), (mlp(), x.reshape(len(x), -1)[:, :16] - 128)):
        quantized = quantize(model, qparams=params, samples=samples)
        want = np.asarray(quantized(samples))
        assert np.array_equal(hwq.lower(quantized).simulate(samples), want) and len(np.unique(want)) > 3


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_a_trained_cnn_quantized_at_8_and_4_bits_is_equal_across_the_four_implementations(tmp_path) -> None:
    from test_quantizeml_models import cnn, mlp, train

    from hwq.quantizeml.models import QuantizationParams, quantize

    x, y = _task(512)
    model = train(cnn(classes=3), x, y, epochs=3)
    for params in (QuantizationParams(), QuantizationParams(4, False, 4, 4, 8)):
        quantized = quantize(model, qparams=params, samples=x)
        if params.weight_bits == 8:
            assert np.mean(np.argmax(quantized(x), -1) == np.argmax(model(x), -1)) >= 0.95
        result = verify(quantized, data=x[:300], workdir=tmp_path / f"cnn{params.weight_bits}")
        assert result.passed and {c.target for c in result.checks} == {"keras", "vitis", "catapult", "verilog"}
        assert all(c.mismatches == 0 and c.exact for c in result.checks)
    features = x.reshape(len(x), -1)[:, :16] - 128
    quantized_mlp = quantize(mlp(), samples=features)  # rescaling, dense, batch norm, ReLU, dropout
    result = verify(quantized_mlp, data=features, workdir=tmp_path / "mlp")
    assert result.passed and all(c.mismatches == 0 and c.exact for c in result.checks)


def test_the_quantize_command(tmp_path, capsys) -> None:
    """`hwq quantize`: the float model quantized on the samples, its bit widths and agreement printed, written as
    .keras; an existing output is kept unless --overwrite."""
    from test_quantizeml_models import mlp

    from hwq.cli import main

    keras.utils.set_random_seed(8)
    model = mlp()
    model.save(tmp_path / "float.keras")
    x = np.random.default_rng(8).integers(-128, 128, (200, 16)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    args = ["quantize", str(tmp_path / "float.keras"), "--samples", str(tmp_path / "x.npy"), "--weight-bits", "4",
            "-o", str(tmp_path / "q.keras"), "--no-progress"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "QuantizedDense" in out and "argmax agreement with the float model" in out and "weight_bits=4" in out
    quantized = keras.saving.load_model(tmp_path / "q.keras")
    assert np.array_equal(hwq.lower(quantized).simulate(x), np.asarray(quantized(x)))
    assert main(args) == 1 and "exists" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0
