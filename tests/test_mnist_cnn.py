"""The published QKeras MNIST CNN (../shared/models/qkeras_mnist_cnn.*), loaded with hwq.load_qkeras and
lowered up to its logits (its input has no quantizer: ap_ufixed<8,0>, MNIST's grey levels): equal across
Keras, simulate, Vitis and Catapult on 2,000 random images."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import keras
import numpy as np
import pytest

import hwq

MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "models"
pytestmark = pytest.mark.skipif(not (MODELS / "qkeras_mnist_cnn.json").is_file(),
                                reason=f"the shared QKeras models are not at {MODELS}")
IMAGES = 2000


@pytest.fixture(scope="module")
def mnist():
    model = hwq.load_qkeras(MODELS / "qkeras_mnist_cnn.json", MODELS / "qkeras_mnist_cnn_weights.h5")
    graph = hwq.lower(model, input_type="ap_ufixed<8,0>", until="q_dense")
    x = np.random.default_rng(0).integers(0, 256, size=(IMAGES, 28, 28, 1)) / 256.0
    logits = keras.Model(model.inputs, model.get_layer("q_dense").output)
    y_keras = logits.predict(x.astype(np.float32), batch_size=1000, verbose=0).astype(np.float64)
    return graph, x, y_keras


def test_lowered_graph(mnist):
    graph, _, _ = mnist
    assert [n.op for n in graph.nodes] == ["conv", "relu", "quantize", "pool", "conv", "relu", "quantize", "pool",
                                           "reshape", "dense"]
    assert graph.meta["left_out"] == ["softmax"] and graph.meta["notes"]["keras_float32_exact"]
    assert "io=stream" in graph.summary()  # 26x26x16 feature maps: the automatic choice streams


def test_keras_equals_simulate(mnist):
    graph, x, y_keras = mnist
    np.testing.assert_array_equal(graph.simulate(x), y_keras)


def test_hls_flavours_equal_keras(mnist, tmp_path):
    graph, x, y_keras = mnist
    with ThreadPoolExecutor(2) as pool:
        projects = list(pool.map(lambda b: hwq.emit(graph, tmp_path / b, backend=b, io="parallel").compile(),
                                 ("vitis", "catapult")))
    for prj in projects:
        np.testing.assert_array_equal(prj.predict(x), y_keras, err_msg=prj.backend)
