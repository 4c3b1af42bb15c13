"""Every quantizer that means something at inference, through the whole flow: Keras == simulate ==
vitis == catapult (== verilog, slow), as a kernel quantizer and as an activation.

Each model pairs one weight quantizer with one activation quantizer, so a handful of builds cover
them all. Power-of-two, binary and ternary kernels must reach hardware without a multiplier.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from support.graphs import inputs_over_range
from support.verilog_bundle import expected, run_bundle

import hwq
from hwq.backends.hls import emit_hls
from hwq.backends.verilog import emit_verilog
from hwq.frontend import UnsupportedLayerError
from hwq.ir import SHIFT_KINDS
from hwq.layers import QActivation, QDense
from hwq.quantizers import get_quantizer, quantized_bits
from hwq.sim import input_mantissas

# (kernel quantizer, multiplier kind it implies, activation quantizer); strings go through get_quantizer
PAIRS = [
    ("quantized_bits(6,0,alpha=1)", "mult", "quantized_tanh(6)"),
    ("quantized_bits(4,2,alpha='auto_po2')", "mult", "quantized_sigmoid(6)"),
    ("quantized_bits(5,1)", "mult", "quantized_ulaw(8,0)"),  # a kernel's alpha=None becomes 'auto_po2'
    ("quantized_po2(4)", "barrel", "quantized_po2(4)"),
    ("quantized_po2(5,max_value=2)", "barrel", "quantized_relu_po2(5,max_value=4)"),
    ("binary(alpha=1)", "xor", "binary(alpha=1)"),
    ("binary(alpha='auto_po2')", "xor", "quantized_hswish(8,3)"),
    ("ternary(alpha=1)", "mux", "ternary(alpha=1,threshold=0.5)"),
    ("ternary(alpha='auto_po2')", "mux", "quantized_relu(5,2,negative_slope=0.25)"),
    ("stochastic_ternary(alpha=1)", "mux", "quantized_bits(6,2,alpha=1)"),
    ("quantized_linear(6,1,alpha=1)", "mult", "quantized_relu(6,0)"),
    ("quantized_bits(6,0,alpha=1)", "mult", "quantized_bits(5,1,alpha=2.0)"),  # scale after rounding: a table
    ("stochastic_binary(alpha=1)", "xor", "bernoulli(alpha=1)"),
    ("binary(use_01=True,alpha=1)", "and", "quantized_linear(6,2,alpha=1)"),
    ("quantized_bits(5,2,symmetric=1,alpha=1)", "mult", "hard_sigmoid"),
    ("quantized_po2(6,log2_rounding='floor')", "barrel", "binary_tanh"),
]
# these activations go into the QDense itself: a table over the accumulator, no narrowing quantizer first
IN_DENSE = {0, 4, 7}
# the first layer's bias quantizer, by model: biases are constants held exactly, whatever their kind
BIASES = ["quantized_bits(6,2,alpha=1)", "quantized_po2(4)", "ternary(alpha=1)", "quantized_linear(5,2,alpha=1)"]


def _model(k: int, kernel: str, activation: str, in_dense: bool) -> keras.Model:
    """in -> QDense(kernel) -> [narrowing quantizer -> QActivation(activation)] -> QDense; with in_dense the
    activation is the first QDense's own (a table over its accumulator)."""
    rng = np.random.default_rng(k)
    # float64 Keras: exact while partial sums fit 52 bits (a curve's outputs can need many bits); the
    # quantizers still compute in float32, as QKeras does, which is what the tables are filled with
    f64 = {"dtype": "float64"}
    model = keras.Sequential([
        keras.Input((6,), name="x", dtype="float64"),
        QActivation(quantized_bits(8, 3, alpha=1), name="in_q", **f64),
        QDense(5, kernel_quantizer=get_quantizer(kernel), bias_quantizer=get_quantizer(BIASES[k % len(BIASES)]),
               name="d1",
               activation=get_quantizer(activation) if in_dense else None, **f64),
        *([] if in_dense else [QActivation(quantized_bits(10, 4, alpha=1), name="narrow", **f64),
                                    QActivation(get_quantizer(activation), name="act", **f64)]),
        QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 2, alpha=1),
               name="d2", **f64),
    ], name=f"flow_{k}")
    model.set_weights([rng.normal(0.0, 0.7, size=w.shape) for w in model.get_weights()])
    return model


@pytest.fixture(scope="module")
def lowered():
    out = []
    for k, (kernel, kind, activation) in enumerate(PAIRS):
        model = _model(k, kernel, activation, k in IN_DENSE)
        graph = hwq.lower(model)
        out.append((model, graph, kind))
    return out


@pytest.mark.parametrize("k", range(len(PAIRS)))
def test_keras_equals_simulate(lowered, k: int) -> None:
    model, graph, kind = lowered[k]
    assert all(n.attrs.get("magnitude_bits", 0) <= 52 for n in graph.nodes), graph.summary()
    assert graph.nodes[0].attrs["multiplier"] == kind
    x = inputs_over_range(np.random.default_rng(k), graph, 4000)
    np.testing.assert_array_equal(np.asarray(model.predict(x, verbose=0), dtype=np.float64), graph.simulate(x),
                                  err_msg=f"{PAIRS[k]}\n{graph.summary()}")


def test_non_fixed_activations_become_tables(lowered) -> None:
    for (_, _, activation), (_, graph, _) in zip(PAIRS, lowered, strict=True):
        ops = [n.op for n in graph.nodes]
        tabled = "table" in ops
        fixed = activation.startswith(("quantized_bits(6,2", "quantized_relu(6,0", "quantized_linear"))
        assert tabled != fixed, (activation, ops)


def test_hls_equals_simulate(lowered, tmp_path: Path) -> None:
    jobs = [(k, fl) for k in range(len(PAIRS)) for fl in ("vitis", "catapult")]
    projects = {(k, fl): emit_hls(lowered[k][1], tmp_path / f"{fl}_{k}", flavour=fl) for k, fl in jobs}
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda p: p.compile(), projects.values()))
    for (k, fl), prj in projects.items():
        graph = lowered[k][1]
        x = inputs_over_range(np.random.default_rng(k), graph, 4000)
        np.testing.assert_array_equal(prj.predict(x), graph.simulate(x), err_msg=f"{fl}: {PAIRS[k]}")
        code = (prj.path / "firmware" / f"{prj.top}.cpp").read_text()
        first_dense = re.sub(r"//.*", "", code.split("// d1:")[1].split("\n    // ")[0])
        if lowered[k][2] in SHIFT_KINDS:
            assert "<<" in first_dense and "*" not in first_dense, first_dense


def test_shift_kernels_have_no_multiplier_in_verilog(lowered, tmp_path: Path) -> None:
    for k, (_, graph, kind) in enumerate(lowered):
        prj = emit_verilog(graph, tmp_path / f"v{k}")
        dense = next(p for p in prj.sources if p.stem.endswith("_d1"))
        body = re.sub(r"//.*", "", dense.read_text())
        assert ("*" in body) == (kind not in SHIFT_KINDS), (PAIRS[k], body)


@pytest.mark.slow
def test_verilog_equals_simulate(lowered, tmp_path: Path) -> None:
    graphs = [g for _, g, _ in lowered]
    rng = np.random.default_rng(5)
    inputs = [np.asarray(input_mantissas(g, inputs_over_range(rng, g, 1000)), dtype=np.int64) for g in graphs]
    for k, (got, want) in enumerate(zip(run_bundle(graphs, inputs, tmp_path), expected(graphs, inputs), strict=True)):
        np.testing.assert_array_equal(got, want, err_msg=str(PAIRS[k]))


def test_data_dependent_activation_scale_is_refused() -> None:
    model = keras.Sequential([keras.Input((4,)), QActivation(quantized_bits(8, 3, alpha=1), name="in_q"),
                              QActivation(quantized_bits(4, 0, alpha="auto_po2"), name="auto_act")])
    with pytest.raises(UnsupportedLayerError, match="auto_act.*alpha='auto_po2'"):
        hwq.lower(model)


def test_wide_table_input_names_the_width_that_fits() -> None:
    model = keras.Sequential([keras.Input((4,)), QActivation(get_quantizer("quantized_tanh(6)"), name="tanh")])
    with pytest.raises(UnsupportedLayerError, match=r"tanh.*30 bits.*at most \d+ bits"):
        hwq.lower(model, input_type="ap_fixed<30,10>")


# --- property: random quantizer settings, Keras == simulate ------------------------------------------

KERNEL_SPECS = st.one_of(
    st.builds(lambda b, i, a: f"quantized_bits({b},{i},alpha={a!r})", st.integers(2, 8), st.integers(0, 2),
              st.sampled_from([1, "auto_po2", None])),
    st.builds(lambda b, m: f"quantized_po2({b},max_value={m})", st.integers(2, 6), st.sampled_from([None, 1, 4])),
    st.builds(lambda a: f"binary(alpha={a!r})", st.sampled_from([1, "auto_po2"])),
    st.builds(lambda a: f"ternary(alpha={a!r})", st.sampled_from([1, "auto_po2"])),
    st.builds(lambda b, i: f"quantized_linear({b},{i},alpha=1)", st.integers(2, 8), st.integers(0, 2)),
)
ACTIVATION_SPECS = st.one_of(
    st.builds(lambda b, i: f"quantized_bits({b},{i},alpha=1)", st.integers(2, 8), st.integers(0, 3)),
    st.builds(lambda b, i, s: f"quantized_relu({b},{i},negative_slope={s})", st.integers(2, 8), st.integers(0, 3),
              st.sampled_from([0.0, 0.25])),
    st.builds(lambda b, m: f"quantized_po2({b},max_value={m})", st.integers(2, 6), st.sampled_from([None, 2])),
    st.builds(lambda b: f"quantized_relu_po2({b})", st.integers(2, 6)),
    st.builds(lambda b: f"quantized_tanh({b})", st.integers(2, 8)),
    st.builds(lambda b: f"quantized_sigmoid({b})", st.integers(2, 8)),
    st.builds(lambda b, i: f"quantized_hswish({b},{i})", st.integers(3, 8), st.integers(1, 3)),
    st.builds(lambda t: f"ternary(alpha=1,threshold={t})", st.sampled_from([0.25, 0.5, 1.0])),
    st.just("binary(alpha=1)"),
    st.just("quantized_ulaw(6,0)"),
)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(KERNEL_SPECS, ACTIVATION_SPECS, st.booleans(), st.integers(0, 2**16))
def test_random_quantizers_keras_equals_simulate(kernel: str, activation: str, in_dense: bool, seed: int) -> None:
    model = _model(seed, kernel, activation, in_dense)
    try:
        graph = hwq.lower(model)
    except UnsupportedLayerError as e:  # a table over a too-wide accumulator is refused, saying what fits
        assert in_dense and "at most 24 bits" in str(e), e
        reject()
    x = inputs_over_range(np.random.default_rng(seed), graph, 500)
    np.testing.assert_array_equal(np.asarray(model.predict(x, verbose=0), dtype=np.float64), graph.simulate(x),
                                  err_msg=f"{kernel} / {activation} (in dense: {in_dense})\n{graph.summary()}")

