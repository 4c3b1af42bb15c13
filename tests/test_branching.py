"""Random branching Keras models (residual blocks, two-branch merges, reshapes, several inputs and outputs;
widths 2-16 bits, signed and unsigned, random integer bits) equal across Keras, simulate, Vitis and
Catapult C-sim (2,000 inputs each, drawn past the input ranges) and Verilog RTL (500).

The models' graphs are put side by side in one graph per backend build (support.branching.union).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from support.branching import random_branching_model, union
from support.op_cases import past_range_inputs

import hwq

SEEDS = range(8)
SAMPLES = 2000
VERILOG_SAMPLES = 500


def _as_list(y) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float64) for a in (y if isinstance(y, list) else [y])]


def _float32_exact_inputs(rng, graph, n: int) -> list[np.ndarray]:
    """Past the input ranges, with exact ties; float32 values, which is what Keras' inputs hold."""
    return [x.astype(np.float32).astype(np.float64) for x in past_range_inputs(rng, graph, n)]


@pytest.fixture(scope="module")
def lowered():
    """(model, graph, inputs) per seed; Keras == simulate is checked here, once per model."""
    cases = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        model = random_branching_model(rng, name=f"branching_{seed}")
        graph = hwq.lower(model)
        xs = _float32_exact_inputs(rng, graph, SAMPLES)
        keras_out = _as_list(model.predict(xs if len(xs) > 1 else xs[0], batch_size=4096, verbose=0))
        sim_out = _as_list(graph.simulate(xs))
        for k, (a, b) in enumerate(zip(keras_out, sim_out, strict=True)):
            np.testing.assert_array_equal(a, b, err_msg=f"seed {seed}, output {graph.outputs[k]}\n{graph.summary()}")
        cases.append((model, graph, xs))
    return cases


def test_models_branch_and_merge(lowered) -> None:
    """The draws cover what the test claims: several inputs and outputs, fan-out, and every merge op."""
    ops = {n.op for _, g, _ in lowered for n in g.nodes}
    assert {"add", "subtract", "multiply", "concatenate", "scale", "reshape", "transpose", "dense"} <= ops
    assert any(len(g.inputs) > 1 for _, g, _ in lowered) and any(len(g.outputs) > 1 for _, g, _ in lowered)
    assert all(any(len(readers) > 1 for readers in g.consumers().values()) for _, g, _ in lowered)


def test_keras_equals_simulate(lowered) -> None:
    assert len(lowered) == len(SEEDS)  # the fixture compared every output of every model


def _union_inputs(lowered, n: int) -> tuple[hwq.Graph, list[np.ndarray], list[np.ndarray]]:
    graph = union([g for _, g, _ in lowered], name="branching_union")
    xs = [x[:n] for _, _, inputs in lowered for x in inputs]
    want = [y for _, g, inputs in lowered for y in _as_list(g.simulate([x[:n] for x in inputs]))]
    return graph, xs, want


def test_hls_equals_simulate(lowered, tmp_path: Path) -> None:
    graph, xs, want = _union_inputs(lowered, SAMPLES)
    with ThreadPoolExecutor(2) as pool:
        projects = list(pool.map(lambda b: hwq.emit(graph, tmp_path / b, backend=b).compile(), ("vitis", "catapult")))
    for prj in projects:
        for k, (got, exp) in enumerate(zip(_as_list(prj.predict(xs)), want, strict=True)):
            np.testing.assert_array_equal(got, exp, err_msg=f"{prj.backend}: {graph.outputs[k]}")


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_verilog_equals_simulate(lowered, tmp_path: Path) -> None:
    graph, xs, want = _union_inputs(lowered, VERILOG_SAMPLES)
    prj = hwq.emit(graph, tmp_path / "verilog", backend="verilog").compile()
    for k, (got, exp) in enumerate(zip(_as_list(prj.predict(xs)), want, strict=True)):
        np.testing.assert_array_equal(got, exp, err_msg=f"verilog: {graph.outputs[k]}")
