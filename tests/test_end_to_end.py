"""Keras == simulate == vitis == catapult (== verilog, slow) on random quantized MLPs."""

import numpy as np
import pytest
from support.graphs import inputs_over_range

import hwq

keras_models = pytest.importorskip("support.keras_models")


def keras_forward(model, x):
    return np.asarray(model.predict(x, batch_size=1024, verbose=0), dtype=np.float64)


@pytest.mark.parametrize("seed", range(6))
def test_random_mlp_keras_sim_hls(seed, tmp_path):
    rng = np.random.default_rng(100 + seed)
    model = keras_models.random_keras_mlp(rng)  # float64 Keras: exact for up to 52-bit partial sums
    graph = hwq.lower(model)
    assert all(n.attrs.get("magnitude_bits", 0) <= 52 for n in graph.nodes)
    x = inputs_over_range(rng, graph, 2000)
    y_sim = graph.simulate(x)
    np.testing.assert_array_equal(keras_forward(model, x), y_sim)
    for backend in ("vitis", "catapult"):
        prj = hwq.emit(graph, tmp_path / backend, backend=backend)
        prj.compile()
        np.testing.assert_array_equal(prj.predict(x), y_sim, err_msg=backend)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2))
def test_random_mlp_keras_sim_verilog(seed, tmp_path):
    rng = np.random.default_rng(200 + seed)
    model = keras_models.random_keras_mlp(rng)
    graph = hwq.lower(model)
    x = inputs_over_range(rng, graph, 1000)
    y_sim = graph.simulate(x)
    np.testing.assert_array_equal(keras_forward(model, x), y_sim)
    prj = hwq.emit(graph, tmp_path / "verilog", backend="verilog")
    prj.compile()
    np.testing.assert_array_equal(prj.predict(x), y_sim)


def test_float32_keras_is_exact_when_summary_says_so():
    rng = np.random.default_rng(7)
    for _ in range(20):
        model = keras_models.random_keras_mlp(rng, max_bits=6, dtype="float32")
        graph = hwq.lower(model)
        if graph.meta["notes"]["keras_float32_exact"]:
            x = inputs_over_range(rng, graph, 500)
            np.testing.assert_array_equal(keras_forward(model, x), graph.simulate(x))
            return
    pytest.fail("no float32-exact model drawn")
