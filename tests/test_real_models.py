"""The real QKeras models in ../shared/models, through all four implementations: the dense layers
(up to the logits; softmax is float) of the jet tagger and the MNIST dense model (power-of-two
kernel) give equal outputs in simulate, vitis, catapult (10,000 inputs) and Verilog (1,000, slow).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from support.graphs import inputs_over_range
from support.verilog_bundle import expected, run_bundle

import hwq
from hwq.backends.hls import emit_hls
from hwq.loading import load_qkeras
from hwq.sim import input_mantissas

MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "models"
pytestmark = pytest.mark.skipif(not MODELS.is_dir(), reason=f"the shared QKeras models are not at {MODELS}")

# (json, weights, the layer giving the logits, the input port type the user chooses)
REAL = {
    "jet_tagger": ("qkeras_3layer.json", "qkeras_3layer_weights.h5", "output", "ap_fixed<16,6>"),
    "mnist_dense": ("qkeras_mnist_dense.json", "qkeras_mnist_dense_weights.h5", "q_dense_3", "ap_fixed<10,3>"),
}


def _graph(key: str) -> hwq.Graph:
    json_name, h5_name, last, input_type = REAL[key]
    model = load_qkeras(MODELS / json_name, MODELS / h5_name)
    graph = hwq.lower(model, input_type=input_type, until=last, name=key)
    assert graph.meta["left_out"], "the softmax at the end is float: the exact chain stops before it"
    return graph


@pytest.fixture(scope="module")
def graphs() -> dict[str, hwq.Graph]:
    return {key: _graph(key) for key in REAL}


def test_hls_flavours_equal_simulate(graphs, tmp_path: Path) -> None:
    projects = {(key, fl): emit_hls(g, tmp_path / f"{key}_{fl}", flavour=fl)
                for key, g in graphs.items() for fl in ("vitis", "catapult")}
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda p: p.compile(), projects.values()))
    for (key, fl), prj in projects.items():
        g = graphs[key]
        x = inputs_over_range(np.random.default_rng(1), g, 10_000)
        np.testing.assert_array_equal(prj.predict(x), g.simulate(x), err_msg=f"{key} {fl}")


def test_power_of_two_kernel_is_shifts(graphs) -> None:
    kinds = [n.attrs["multiplier"] for n in graphs["mnist_dense"].nodes if n.op == "dense"]
    assert kinds == ["barrel", "mult"]


@pytest.mark.slow
def test_verilog_equals_simulate(graphs, tmp_path: Path) -> None:
    gs = list(graphs.values())
    rng = np.random.default_rng(2)
    inputs = [np.asarray(input_mantissas(g, inputs_over_range(rng, g, 1000)), dtype=np.int64) for g in gs]
    for g, got, want in zip(gs, run_bundle(gs, inputs, tmp_path), expected(gs, inputs), strict=True):
        np.testing.assert_array_equal(got, want, err_msg=g.name)


def test_cli_takes_a_keras2_json_with_its_weights(capsys) -> None:
    """`--weights` with a QKeras Keras 2 JSON (every verb): the same graph as load_qkeras gives."""
    from hwq.cli import main

    json_name, h5_name, last, input_type = REAL["jet_tagger"]
    args = [str(MODELS / json_name), "--weights", str(MODELS / h5_name), "--input-type", input_type, "--until", last]
    assert main(["report", *args]) == 0
    assert "fc1" in capsys.readouterr().out
    assert main(["verify", *args, "--backends", "catapult", "--inputs", "500", "--no-progress"]) == 0
    assert "PASS" in capsys.readouterr().out
