"""Codebooks in hardware: a dense layer whose weights were compressed (weight_compression) is stored by the HLS
backends as an index memory plus centroid tables, and a compressed activation (the `codebook` quantizer) is the
index -> value table it is; both equal Keras and simulate exactly, and the summary gives the memory they take."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import hwq
from hwq.ir import IntTensor
from hwq.ir.codebook import codebook_of
from hwq.layers import QActivation, QDense
from hwq.qkeras.codebook import activation_compression, weight_compression
from hwq.quantizers import codebook, quantized_bits, quantized_relu
from hwq.verify import verify

KERNEL = quantized_bits(8, 0, alpha=1)


def _compressed_model(axis: int | None, seed: int = 0) -> keras.Model:
    """64 -> 32 dense with 8-bit weights compressed to 8 centroids (one codebook, or one per input row), a 6-bit
    ReLU, then an activation compressed to 5 centroids, then a 4-output dense."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((64,)), QActivation(quantized_bits(8, 3, alpha=1), name="q_in"),
        QDense(32, kernel_quantizer=KERNEL, bias_quantizer=KERNEL, name="d1"),
        QActivation(quantized_relu(6, 3), name="relu"),
        QActivation(codebook([0.0, 0.5, 1.25, 3.0, 6.5]), name="compressed"),
        QDense(4, kernel_quantizer=KERNEL, bias_quantizer=KERNEL, name="d2")])
    d1 = model.get_layer("d1")
    kernel, bias = d1.get_weights()
    if axis is None:
        index, tables = weight_compression(kernel.reshape(1, -1), 3, axis=0, quantizer=KERNEL)
        compressed = tables[0][index.reshape(kernel.shape)]
    else:
        index, tables = weight_compression(kernel, 3, axis=axis, quantizer=KERNEL)
        compressed = np.take_along_axis(tables, index, axis=1) if axis == 0 else \
            np.take_along_axis(tables.T, index, axis=0)
    d1.set_weights([compressed.astype(np.float32), bias])
    return model


def test_a_kernel_of_few_values_is_an_index_and_a_table() -> None:
    rng = np.random.default_rng(0)
    table = np.array([-100, -20, 3, 90])
    kernel = IntTensor(table[rng.integers(0, 4, (30, 10))], hwq.fixed.FixedType(8, 8))
    book = codebook_of(kernel)
    assert book.axis is None and book.index_bits == 2 and np.array_equal(book.tables[0][book.index], kernel.mantissa)
    assert book.bits == 300 * 2 + 4 * 8 < book.plain_bits == 300 * 8
    rows = np.array([rng.choice(np.arange(-128, 128), 4, replace=False) for _ in range(30)])
    per_row = IntTensor(np.take_along_axis(rows, rng.integers(0, 4, (30, 10)), 1), hwq.fixed.FixedType(8, 8))
    book = codebook_of(per_row)
    assert book.axis == 0 and np.array_equal(np.take_along_axis(book.tables, book.index, 1), per_row.mantissa)
    assert codebook_of(IntTensor(rng.integers(-128, 128, (30, 10)), hwq.fixed.FixedType(8, 8))) is None
    assert codebook_of(kernel, multiplier="barrel") is None  # shifts: no multiplier to feed


@pytest.mark.parametrize("axis", [None, 0])
def test_compressed_layers_lower_and_simulate_exactly(axis) -> None:
    model = _compressed_model(axis)
    graph = hwq.lower(model)
    x = np.random.default_rng(1).uniform(-20, 20, (2000, 64)).astype(np.float32)
    assert np.array_equal(graph.simulate(x), model.predict(x, verbose=0).astype(np.float64))
    summary = graph.summary()
    assert "codebook" in summary and "indices of 3 bits" in summary and "saved" in summary
    assert any(n.op == "table" and n.name == "compressed" for n in graph.nodes)


def test_a_compressed_activation_is_saved_and_loaded(tmp_path) -> None:
    model = _compressed_model(None)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    x = np.random.default_rng(5).uniform(-20, 20, (300, 64)).astype(np.float32)
    assert np.array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert str(again.get_layer("compressed").quantizer) == "codebook([0.0, 0.5, 1.25, 3.0, 6.5])"


def test_the_hls_stores_the_index_and_the_tables(tmp_path) -> None:
    graph = hwq.lower(_compressed_model(0))
    prj = hwq.emit(graph, tmp_path / "v", backend="vitis")
    source = "\n".join(p.read_text() for p in (tmp_path / "v").rglob("*") if p.suffix in (".h", ".cpp"))
    assert "d1_kernel_index" in source and "d1_kernel_centroids" in source
    x = np.random.default_rng(2).uniform(-20, 20, (500, 64)).astype(np.float32)
    assert np.array_equal(prj.compile().predict(x), graph.simulate(x))


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_compressed_models_are_equal_across_the_four_implementations(tmp_path) -> None:
    for axis in (None, 0):
        result = verify(_compressed_model(axis, seed=3), inputs=3000, workdir=tmp_path / f"axis{axis}")
        assert result.passed and all(c.mismatches == 0 and c.exact for c in result.checks)


def test_activation_compression_tables_become_codebook_quantizers() -> None:
    """The tables activation_compression returns are the centroids a `codebook` quantizer takes."""
    keras.utils.set_random_seed(4)
    x_in = keras.Input((8,))
    hidden = QActivation(quantized_relu(6, 2), name="r")(QDense(6, kernel_quantizer=KERNEL, name="d")(x_in))
    model = keras.Model(x_in, QDense(3, kernel_quantizer=KERNEL)(hidden))
    rng = np.random.default_rng(4)
    x = rng.normal(size=(256, 8)).astype(np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 3, 256), 3)
    _, _, kms = activation_compression(model, {"optimizer": "adam", "loss": "categorical_crossentropy"},
                                       [2], 2, x, y, x, y, sample_size=0.5)
    centres = kms[0].cluster_centers_.ravel()
    q = codebook(centres)
    grid = np.arange(64, dtype=np.float32) / 16  # quantized_relu(6, 2)'s outputs
    assert np.array_equal(np.asarray(q(grid)), centres[kms[0].predict(grid.reshape(-1, 1).astype(np.float64))])
