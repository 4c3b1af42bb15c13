"""Codebook compression (QKeras' codebook module): tables sorted and quantized, every index its value's nearest
entry, values reproduced when a slice holds no more distinct values than the codebook."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from hwq.layers import QActivation, QDense
from hwq.qkeras.codebook import (
    activation_compression,
    create_in_out_table,
    two_tier_embedding_compression,
    weight_compression,
)
from hwq.quantizers import quantized_bits, quantized_relu


def _nearest(values: np.ndarray, table: np.ndarray, index: np.ndarray) -> bool:
    """Whether each value's index names an entry of `table` at least as near as any other."""
    chosen = np.abs(values - table[index])
    best = np.min(np.abs(values[..., None] - table), axis=-1)
    return bool(np.all(chosen <= best + 1e-12))  # distances in float64: ties may pick either entry


@pytest.mark.parametrize("axis", [0, 1])
def test_weight_compression_per_slice(axis: int) -> None:
    rng = np.random.default_rng(3)
    w = rng.normal(size=(6, 40))
    index, table = weight_compression(w, 2, axis=axis)
    assert index.shape == w.shape and table.shape == (w.shape[axis], 4)
    assert np.all(np.diff(table, axis=1) >= 0)  # sorted
    for i, part in enumerate(np.split(w, w.shape[axis], axis)):
        part_index = np.take(index, [i], axis=axis)
        assert _nearest(part, table[i], part_index)


def test_weight_compression_reproduces_few_distinct_values() -> None:
    values = np.array([-0.75, -0.25, 0.5, 1.0])
    w = np.random.default_rng(1).choice(values, size=(3, 50))
    index, table = weight_compression(w, 2, axis=0)
    # k-means centres are float means of the equal values they gather: within rounding of the values, and
    # exact once a quantizer puts them on its grid
    assert np.allclose(np.take_along_axis(table, index, axis=1), w, rtol=0, atol=1e-12)
    index, table = weight_compression(w, 2, axis=0, quantizer=quantized_bits(4, 1, alpha=1))
    assert np.array_equal(np.take_along_axis(table, index, axis=1), w)


def test_weight_compression_quantizes_the_table() -> None:
    q = quantized_bits(4, 0, alpha=1)
    index, table = weight_compression(np.random.default_rng(2).normal(scale=0.4, size=(2, 64)), 2, quantizer=q)
    assert np.array_equal(table * 8, np.round(table * 8))  # on the grid of 3 fraction bits
    assert np.all(np.abs(table) <= 1.0)


def test_create_in_out_table_maps_every_quantizer_value() -> None:
    from sklearn.cluster import KMeans

    q = quantized_relu(3, 0)
    km = KMeans(2, n_init=10, random_state=0).fit(np.array([[0.0], [0.125], [0.75], [0.875]]))
    km.cluster_centers_ = np.sort(km.cluster_centers_, axis=0)
    in_table, out_table = create_in_out_table(km, q)
    values = np.asarray(q.range(), dtype=np.float64)
    assert len(out_table) == len(values) and len(in_table) == 2
    assert _nearest(values, in_table, out_table)


def test_activation_compression_fits_one_codebook_per_split() -> None:
    rng = np.random.default_rng(0)
    x = x_in = keras.Input((5,), name="in")
    x = QDense(8, kernel_quantizer=quantized_bits(4, 0, alpha=1), name="fc1")(x)
    x = QActivation(quantized_relu(4, 0), name="relu1")(x)
    x = QDense(6, kernel_quantizer=quantized_bits(4, 0, alpha=1), name="fc2")(x)
    x = QActivation(quantized_relu(4, 0), name="relu2")(x)
    x = QDense(3, name="out")(x)
    model = keras.Model(x_in, keras.layers.Activation("softmax")(x))
    xs = rng.normal(size=(200, 5)).astype(np.float32)
    ys = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 200)]
    tables, models, kms = activation_compression(model, {"loss": "categorical_crossentropy"}, [2, 4], 2,
                                                 xs, ys, xs[:50], ys[:50])
    assert len(models) == 3 and len(kms) == 2 and kms[0] is not kms[1] and len(tables) == 2
    chained = xs[:20]
    for sub in models:
        chained = sub.predict(chained, verbose=0)
    assert np.array_equal(chained, model.predict(xs[:20], verbose=0))  # the splits make up the model
    for (in_table, out_table), km in zip(tables, kms, strict=True):
        assert np.array_equal(in_table, km.cluster_centers_.ravel()) and len(out_table) == 16
        assert np.all(np.diff(in_table) >= 0) and np.array_equal(in_table * 16, np.round(in_table * 16))


def test_two_tier_embedding_compression_gives_each_row_its_own_indices() -> None:
    rng = np.random.default_rng(5)
    emb = rng.normal(size=(40, 6))
    index, cluster, table, quantized = two_tier_embedding_compression(emb, 2)
    assert index.shape == emb.shape and cluster.shape == (40,) and table.shape == (4, 4)
    assert np.array_equal(quantized, table[cluster[:, None], index])
    for row in range(40):
        assert _nearest(emb[row], table[cluster[row]], index[row])
    block = np.flatnonzero(cluster == cluster[0])
    assert len({tuple(index[r]) for r in block}) > 1 or len(block) == 1  # not one row's indices copied to all


def test_bits_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="1 <= bits <= 8"):
        weight_compression(np.zeros((2, 4)), 9)
    with pytest.raises(ValueError, match="needs at least 4 values to cluster, got 3"):
        weight_compression(np.zeros((3, 16)), 2, axis=1)
