"""Random quantized Keras CNNs (plain, depthwise and separable convolutions with random kernels, strides,
padding and dilation; pools, zero padding, cropping, upsampling, residual adds; widths 2-12 bits) equal
across Keras, simulate, Vitis and Catapult (parallel) and Verilog (parallel, and streamed as images);
inputs drawn past the input range. A broad sweep over many more models runs with --sweep."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from support.branching import union
from support.keras_cnns import random_keras_cnn
from support.op_cases import past_range_inputs

import hwq

SEEDS = range(6)
SWEEP_SEEDS = range(100, 140)
IMAGES = 1000
VERILOG_IMAGES = 300


def _lowered(seeds) -> list:
    """(graph, images) per seed, after checking Keras == simulate on them."""
    cases = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        model = random_keras_cnn(rng, name=f"cnn_{seed}")
        graph = hwq.lower(model)
        x = past_range_inputs(rng, graph, IMAGES)[0].astype(np.float32).astype(np.float64)
        keras_y = np.asarray(model.predict(x, batch_size=1000, verbose=0), dtype=np.float64)
        np.testing.assert_array_equal(graph.simulate(x), keras_y, err_msg=f"seed {seed}\n{graph.summary()}")
        cases.append((graph, x))
    return cases


def _check_backends(cases, tmp_path: Path, verilog: bool) -> None:
    graph = union([g for g, _ in cases], name="cnns")
    xs = [x for _, x in cases]
    want = [np.asarray(g.simulate(x)) for g, x in cases]
    with ThreadPoolExecutor(2) as pool:
        projects = list(pool.map(lambda b: hwq.emit(graph, tmp_path / b, backend=b, io="parallel").compile(),
                                 ("vitis", "catapult")))
    if verilog:
        projects.append(hwq.emit(graph, tmp_path / "verilog", backend="verilog", io="parallel").compile())
    for prj in projects:
        n = VERILOG_IMAGES if prj.backend == "verilog" else IMAGES
        got = prj.predict([x[:n] for x in xs])
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            np.testing.assert_array_equal(g, w[:n], err_msg=f"{prj.backend}: {graph.outputs[k]}")


@pytest.fixture(scope="module")
def cases():
    return _lowered(SEEDS)


def test_random_cnns_keras_equals_simulate(cases):
    ops = {n.op for g, _ in cases for n in g.nodes}
    assert {"conv", "pool", "dense", "quantize"} <= ops


def test_random_cnns_hls(cases, tmp_path):
    _check_backends(cases, tmp_path, verilog=False)


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_random_cnns_verilog_parallel(cases, tmp_path):
    graph = union([g for g, _ in cases], name="cnns")
    prj = hwq.emit(graph, tmp_path / "verilog", backend="verilog", io="parallel").compile()
    got = prj.predict([x[:VERILOG_IMAGES] for _, x in cases])
    for k, ((g, x), y) in enumerate(zip(cases, got, strict=True)):
        np.testing.assert_array_equal(y, g.simulate(x[:VERILOG_IMAGES]), err_msg=graph.outputs[k])


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_random_cnns_verilog_streamed(cases, tmp_path):
    """The same CNNs as images streamed pixel by pixel through AXI4-Stream ports, under random backpressure."""
    _check_stream(cases, tmp_path)


def _check_stream(cases, tmp_path: Path) -> None:
    graph = union([g for g, _ in cases], name="cnns")
    prj = hwq.emit(graph, tmp_path / "stream", backend="verilog", io="stream").compile()
    got = prj.predict([x[:VERILOG_IMAGES] for _, x in cases])
    for k, ((g, x), y) in enumerate(zip(cases, got, strict=True)):
        np.testing.assert_array_equal(y, g.simulate(x[:VERILOG_IMAGES]), err_msg=graph.outputs[k])


@pytest.mark.sweep
def test_many_random_cnns(tmp_path):
    cases = _lowered(SWEEP_SEEDS)
    _check_backends(cases, tmp_path, verilog=True)
    _check_stream(cases, tmp_path)
