"""hwq.estimate: accumulator analysis against brute force, operation kinds, statistics, errors."""

import itertools

import keras
import numpy as np
import pytest

from hwq.estimate import (
    accumulator_bounds,
    analyze_accumulator,
    analyze_accumulator_from_sample,
    create_activation_cache,
    extract_model_operations,
    get_operation_type,
    get_quant_mode,
    print_qstats,
)
from hwq.layers import QActivation, QConv2D, QDense, QDepthwiseConv2D
from hwq.quantizers import binary, quantized_bits, quantized_po2, quantized_relu


def small_dense(seed: int, n_in: int = 5, n_out: int = 3, bias: bool = True) -> keras.Model:
    rng = np.random.default_rng(seed)
    x = xi = keras.Input((n_in,))
    x = QDense(n_out, kernel_quantizer=quantized_bits(4, 1, alpha=1), bias_quantizer=quantized_bits(4, 2, alpha=1),
               use_bias=bias, name="d")(x)
    m = keras.Model(xi, x)
    weights = [rng.uniform(-2, 2, (n_in, n_out))] + ([rng.uniform(-4, 4, n_out)] if bias else [])
    m.get_layer("d").set_weights(weights)
    return m


def brute_force(model: keras.Model, name: str, lo: float, hi: float, kernel_shape=None) -> tuple[float, float]:
    """Min and max pre-activation sum over every input with each element at an end of [lo, hi]."""
    layer = model.get_layer(name)
    n = int(np.prod(model.input_shape[1:]))
    corners = np.array(list(itertools.product([lo, hi], repeat=n)), dtype=np.float64)
    corners = corners.reshape(-1, *model.input_shape[1:])
    y = np.asarray(model.predict(corners, verbose=0), dtype=np.float64)
    assert layer.activation is None or getattr(layer.activation, "__name__", "") == "linear"
    return float(y.min()), float(y.max())


@pytest.mark.parametrize("seed,lo,hi,bias", [(0, -1.0, 1.0, True), (1, 0.0, 3.5, True), (2, -2.25, -0.5, False),
                                             (3, 0.25, 0.75, True)])
def test_dense_bounds_equal_brute_force(seed, lo, hi, bias):
    model = small_dense(seed, bias=bias)
    bounds = accumulator_bounds(model, {"d": (lo, hi)})["d"]
    scale = 2.0 ** -bounds.type.frac
    y_lo, y_hi = brute_force(model, "d", lo, hi)
    # the bounds include 0 (a partial sum may be 0); apart from that they are the extremes reached
    assert bounds.lo * scale == min(y_lo, 0.0) and bounds.hi * scale == max(y_hi, 0.0)
    bits = analyze_accumulator(model, {"d": (lo, hi)})["d"]
    largest = max(abs(y_lo), abs(y_hi))
    assert largest < 2.0**bits and (bits == 0 or largest >= 2.0 ** (bits - 1))


def test_conv_and_depthwise_bounds_equal_brute_force():
    rng = np.random.default_rng(5)
    x = xi = keras.Input((3, 3, 2))
    q = quantized_bits(4, 0, alpha=1)
    x = QDepthwiseConv2D(2, depthwise_quantizer=q, bias_quantizer=quantized_bits(4, 0, alpha=1), name="dw")(x)
    dw = keras.Model(xi, x)
    dw.get_layer("dw").set_weights([rng.uniform(-1, 1, (2, 2, 2, 1)), rng.uniform(-1, 1, 2)])
    b = accumulator_bounds(dw, {"dw": (-1.0, 1.5)})["dw"]
    y_lo, y_hi = brute_force(dw, "dw", -1.0, 1.5)
    assert (b.lo * 2.0**-b.type.frac, b.hi * 2.0**-b.type.frac) == (min(y_lo, 0), max(y_hi, 0))

    x = xi = keras.Input((3, 3, 1))
    x = QConv2D(2, 2, kernel_quantizer=quantized_bits(5, 1, alpha=1), bias_quantizer=quantized_bits(5, 1, alpha=1),
                name="c")(x)
    conv = keras.Model(xi, x)
    conv.get_layer("c").set_weights([rng.uniform(-2, 2, (2, 2, 1, 2)), rng.uniform(-1, 1, 2)])
    b = accumulator_bounds(conv, {"c": (0.0, 2.0)})["c"]
    y_lo, y_hi = brute_force(conv, "c", 0.0, 2.0)
    assert (b.lo * 2.0**-b.type.frac, b.hi * 2.0**-b.type.frac) == (min(y_lo, 0), max(y_hi, 0))


def test_same_analysis_as_the_ir():
    """On the input type's range, the estimate and the lowered graph's accumulator agree."""
    import hwq

    model = small_dense(7)
    graph = hwq.lower(model, input_type="ap_fixed<6,2>")
    acc = graph.node("d").attrs["accumulator"]
    lo, hi = -2.0, 2.0 - 2.0**-4  # the range of ap_fixed<6,2>
    assert accumulator_bounds(model, {"d": (lo, hi)})["d"].type == acc
    assert analyze_accumulator(model, {"d": (lo, hi)})["d"] == acc.integer - 1


def test_power_of_two_maximum_needs_the_extra_bit():
    x = xi = keras.Input((2,))
    x = QDense(1, kernel_quantizer=quantized_bits(4, 2, alpha=1), use_bias=False, name="d")(x)
    m = keras.Model(xi, x)
    m.get_layer("d").set_weights([np.array([[2.0], [2.0]])])
    # 2·2 + 2·2 = 8: QKeras' ceil(log2 8) = 3 bits cannot hold it
    assert analyze_accumulator(m, {"d": (0.0, 2.0)})["d"] == 4


def test_from_sample_modes_and_unknown_mode(capsys):
    x = xi = keras.Input((4,))
    x = QActivation(quantized_bits(6, 2, alpha=1), name="qa")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(4, 1, alpha=1), bias_quantizer=quantized_bits(4, 1, alpha=1),
               name="d1")(x)
    m = keras.Model(xi, x)
    sample = np.random.default_rng(0).uniform(-1, 1, (64, 4)).astype(np.float32)
    conservative = analyze_accumulator_from_sample(m, sample, "conservative", verbose=True)
    sampled = analyze_accumulator_from_sample(m, sample, "sampled")
    assert set(conservative) == set(sampled) == {"d1"}
    assert sampled["d1"] <= conservative["d1"]
    y = np.asarray(m.predict(sample, verbose=0))
    assert np.abs(y).max() < 2.0 ** sampled["d1"]
    assert "d1:" in capsys.readouterr().out
    with pytest.raises(ValueError, match="mode must be one of"):
        analyze_accumulator_from_sample(m, sample, mode="optimistic")


def test_activation_cache_returns_every_layer():
    x = xi = keras.Input((4,))
    x = QActivation(quantized_relu(4, 0), name="qa")(x)
    x = QDense(2, kernel_quantizer=quantized_bits(4, 0, alpha=1), name="d")(x)
    cache = create_activation_cache(keras.Model(xi, x))
    out = cache.predict(np.ones((1, 4), np.float32), verbose=0)
    assert set(out) == {"qa", "d"} and out["qa"].shape == (1, 4)


def test_operation_types_and_qstats(capsys):
    x = xi = keras.Input((8,))
    qa = QActivation(quantized_bits(4, 0, alpha=1), name="qa")
    x = qa(x)
    d_po2 = QDense(4, kernel_quantizer=quantized_po2(4), name="po2")
    y = d_po2(x)
    d_bin = QDense(4, kernel_quantizer=binary(), name="bin")
    z = d_bin(y)
    model = keras.Model(xi, z)
    assert get_operation_type(d_po2, {id(qa.output): qa.quantizer}) == "barrel"
    assert get_operation_type(d_bin, {d_po2.output.name: quantized_bits(4, 0)}) == "mux"
    assert get_operation_type(d_bin, {}) == "fmult"
    assert get_quant_mode(binary()) == (3, 1, 1)
    assert extract_model_operations(model)["po2"].count == 32
    print_qstats(model)
    assert "Number of operations in model:" in capsys.readouterr().out
