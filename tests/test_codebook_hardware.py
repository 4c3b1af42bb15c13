"""Codebooks in hardware: a dense or conv layer (QConv2D, QConv1D, depthwise, separable) whose weights were
compressed (weight_compression) is stored by the HLS backends, parallel and stream, as an index memory plus
centroid tables, and a compressed activation (the `codebook` quantizer) is the index -> value table it is; both
equal Keras and simulate exactly, and the summary and the report give the memory they take."""

from __future__ import annotations

import json
import re

import keras
import numpy as np
import pytest

import hwq
from hwq.ir import IntTensor
from hwq.ir.codebook import codebook_of, node_codebook
from hwq.layers import QActivation, QConv1D, QConv2D, QDense, QDepthwiseConv2D, QSeparableConv1D
from hwq.qkeras.codebook import activation_compression, weight_compression
from hwq.quantizers import codebook, quantized_bits, quantized_relu
from hwq.report import write_report
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


def _compressed(kernel: np.ndarray, bits: int, axis: int | None) -> np.ndarray:
    """The kernel with each weight replaced by its centroid: 2**bits centroids in one table (axis None) or one table
    per slice of `axis`, as weight_compression finds them."""
    if axis is None:
        index, tables = weight_compression(kernel.reshape(1, -1), bits, axis=0, quantizer=KERNEL)
        return tables[0][index.reshape(kernel.shape)].astype(np.float32)
    index, tables = weight_compression(kernel, bits, axis=axis, quantizer=KERNEL)
    slot = np.arange(kernel.shape[axis]).reshape([-1 if a == axis else 1 for a in range(kernel.ndim)])
    return tables[slot, index].astype(np.float32)


def _compress(model: keras.Model, plan: dict[str, tuple[int, int | None]]) -> keras.Model:
    """Every layer named in `plan` gets its first weight (the kernel; a separable layer's depthwise kernel)
    compressed to (bits, axis); a separable layer's pointwise kernel too."""
    for name, (bits, axis) in plan.items():
        layer = model.get_layer(name)
        weights = layer.get_weights()
        weights[0] = _compressed(weights[0], bits, axis)
        if isinstance(layer, QSeparableConv1D):
            weights[1] = _compressed(weights[1], bits, axis)
        layer.set_weights(weights)
    return model


def _conv2d_model(seed: int = 0) -> keras.Model:
    """8x8x3 -> 3x3 QConv2D of 8 channels, its 8-bit weights compressed to 8 centroids per output channel -> 6-bit
    ReLU -> 3x3 depthwise conv, compressed to 4 centroids in one table."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((8, 8, 3)), QActivation(quantized_bits(8, 3, alpha=1), name="q_in"),
        QConv2D(8, 3, padding="same", kernel_quantizer=KERNEL, bias_quantizer=KERNEL, name="c1"),
        QActivation(quantized_relu(6, 3), name="relu"),
        QDepthwiseConv2D(3, depthwise_quantizer=KERNEL, bias_quantizer=KERNEL, name="dw")])
    return _compress(model, {"c1": (3, 3), "dw": (2, None)})


def _conv1d_model(seed: int = 0) -> keras.Model:
    """16x4 -> QConv1D of 6 channels (4 centroids per input channel) -> ReLU -> separable conv (depthwise and
    pointwise kernels, 4 centroids each)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((16, 4)), QActivation(quantized_bits(8, 3, alpha=1), name="q_in"),
        QConv1D(6, 3, kernel_quantizer=KERNEL, bias_quantizer=KERNEL, name="c1"),
        QActivation(quantized_relu(6, 3), name="relu"),
        QSeparableConv1D(5, 3, depth_multiplier=2, depthwise_quantizer=KERNEL, pointwise_quantizer=KERNEL,
                         bias_quantizer=KERNEL, name="sep")])
    return _compress(model, {"c1": (2, 1), "sep": (2, None)})


def _images(model: keras.Model, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-20, 20, (n, *model.input_shape[1:])).astype(np.float32)


def _firmware(path) -> str:
    return "\n".join(p.read_text() for p in sorted((path / "firmware").rglob("*")) if p.suffix in (".h", ".cpp"))


def _stored_as_codebooks(graph: hwq.ir.Graph, source: str) -> list[str]:
    """The names of the kernels the source stores as an index array plus a centroid table and reads through both;
    each is checked against node_codebook's shapes."""
    found = []
    for node in graph.nodes:
        book = node_codebook(node)
        if book is None:
            continue
        name = hwq.ir.legal_identifier(node.name)
        index = re.search(rf"{name}_kernel_index((?:\[\d+\])+) =", source)
        tables = re.search(rf"{name}_kernel_centroids((?:\[\d+\])+) =", source)
        assert index and tables, f"{node.name}: no index and centroid arrays"
        assert index.group(1) == "".join(f"[{d}]" for d in book.index.shape)
        assert tables.group(1) == "".join(f"[{d}]" for d in book.tables.shape)
        assert re.search(rf"{name}_kernel_centroids\[\w+\]\[{name}_kernel_index\[", source), "the weight is not read"
        found.append(node.name)
    return found


@pytest.mark.parametrize("make", [_conv2d_model, _conv1d_model])
def test_compressed_convolutions_lower_and_simulate_exactly(make) -> None:
    model = make()
    graph = hwq.lower(model)
    x = _images(model, 1000, 1)
    assert np.array_equal(graph.simulate(x), model.predict(x, verbose=0).astype(np.float64))
    books = {n.name: node_codebook(n) for n in graph.nodes if node_codebook(n) is not None}
    expected = {"c1", "dw"} if make is _conv2d_model else {"c1", "sep_depthwise", "sep"}
    assert set(books) == expected, books
    summary = graph.summary(io=None)
    for name, book in books.items():
        assert f"codebook {name}: {book.describe()}" in summary
        assert book.index_bits == (3 if name == "c1" and make is _conv2d_model else 2)


@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("make", [_conv2d_model, _conv1d_model])
def test_the_hls_stores_conv_kernels_as_an_index_and_tables(tmp_path, make, backend) -> None:
    model = make()
    graph = hwq.lower(model)
    prj = hwq.emit(graph, tmp_path / "x", backend=backend, io="parallel")
    assert len(_stored_as_codebooks(graph, _firmware(tmp_path / "x"))) == (2 if make is _conv2d_model else 3)
    x = _images(model, 300, 2)
    assert np.array_equal(prj.predict(x), graph.simulate(x))


@pytest.mark.parametrize("backend", ["vitis", "catapult"])
def test_the_stream_design_stores_the_conv_kernels_as_codebooks_too(tmp_path, backend) -> None:
    """The stream stages print their per-pixel kernels with the same printers (hwq.backends.hls.stream.stages)."""
    model = _conv2d_model(seed=1)
    graph = hwq.lower(model)
    prj = hwq.emit(graph, tmp_path / "s", backend=backend, io="stream")
    assert _stored_as_codebooks(graph, _firmware(tmp_path / "s")) == ["c1", "dw"]
    x = _images(model, 200, 3)
    assert np.array_equal(prj.predict(x), graph.simulate(x))


def test_the_report_gives_the_codebook_memory(tmp_path) -> None:
    graph = hwq.lower(_conv2d_model())
    paths = write_report(graph, tmp_path, yosys="none")
    data = json.loads(paths["json"].read_text())
    rows = {r["node"]: r for r in data["rows"]}
    c1 = node_codebook(next(n for n in graph.nodes if n.name == "c1"))
    figure = rows["c1"]["codebook"]
    assert figure == c1.memory()  # the summary's numbers: one function gives both
    assert figure["index_bits"] == 216 * 3 and figure["table_bits"] == 8 * 8 * 8
    assert figure["bits"] == figure["index_bits"] + figure["table_bits"] < figure["plain_bits"] == 216 * 8
    assert figure["saved_percent"] == round(100 * (1 - figure["bits"] / figure["plain_bits"]), 1)
    assert rows["relu"]["codebook"] is None
    books = [r["codebook"] for r in data["rows"] if r["codebook"]]
    assert data["totals"]["codebook_bits"] == sum(b["bits"] for b in books)
    html = paths["html"].read_text()
    assert "Codebook weights" in html and f"{figure['saved_percent']}%" in html
    assert any("codebook" in note for note in data["notes"])
