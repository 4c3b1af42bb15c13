"""Codebook compression (QKeras' codebook module): weights or activations replaced by the nearest of 2**bits values
found by k-means (scikit-learn's KMeans), each value then stored as its index into the table of those values.

Every table's values go through the quantizer given, and are sorted, so an index orders values as they order.
Two QKeras bugs are not copied (docs/qkeras-differences.md): activation_compression fits one k-means per
activation (QKeras shares one instance, so every table but the last is lost), and two_tier_embedding_compression
gives every row its own indices (QKeras writes the last row's into every row of its block).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

SEED = 0  # k-means starts from seeded centres: the same weights give the same tables


def weight_compression(weights: np.ndarray, bits: int, axis: int = 0, quantizer: Any = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(index_table, codebook_table): per slice of `weights` along `axis`, 2**bits values (codebook_table's row,
    quantized, sorted) and each weight's index of its nearest one (index_table, weights' shape)."""
    _check_bits(bits)
    weights = np.asarray(weights, dtype=np.float64)
    tables, indices = [], []
    for part in np.split(weights, weights.shape[axis], axis):
        km = _fitted(part.reshape(-1, 1), bits, quantizer)
        tables.append(km.cluster_centers_.ravel())
        indices.append(_indices(km, part))
    return np.concatenate(indices, axis), np.array(tables)


def create_in_out_table(km: Any, quantizer: Any) -> tuple[np.ndarray, np.ndarray]:
    """(in_table, out_table) for activations compressed by `km`: out_table maps each value the quantizer can give
    (quantizer.range(), in its order) to its index, in_table each index to its value: in_table[out_table[k]] is
    the codebook value of the quantizer's k-th value."""
    in_table = np.asarray(km.cluster_centers_, dtype=np.float64).ravel()
    values = np.asarray(quantizer.range(), dtype=np.float64).reshape(-1, 1)
    return in_table, _indices(km, values).ravel()


def activation_compression(model: keras.Model, compile_config: dict, activation_indexes: list[int], bits: int,
                           X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                           sample_size: float = 1.0) -> tuple[list, list[keras.Model], list]:
    """Split a layer chain after each layer of `activation_indexes` (and at its end) into submodels, compiled with
    compile_config; fit a k-means of 2**bits values to each split's activations on X_train (a `sample_size`
    share of them), its centres through that split's last layer's quantizer (or activation); then run X_test
    through the chain with every split's activations replaced by their codebook values and evaluate the last
    submodel on y_test. Returns (cb_tables: (in, out) per split as create_in_out_table gives, the submodels, the
    fitted k-means)."""
    _check_bits(bits)
    if not activation_indexes:
        raise ValueError("activation_compression: activation_indexes is empty; give the indexes of the layers "
                         "whose outputs are compressed")
    if not 0.0 < sample_size <= 1.0:
        raise ValueError(f"activation_compression: sample_size={sample_size!r}, expected 0 < sample_size <= 1")
    models = _split(model, set(activation_indexes), compile_config)
    rng = np.random.default_rng(SEED)
    tables, kms, x = [], [], X_train
    for sub in models[:-1]:
        x = np.asarray(sub.predict(x, verbose=0))
        values = x.reshape(-1, 1)
        if sample_size < 1.0:
            values = values[rng.choice(len(values), size=max(1, int(sample_size * len(values))), replace=False)]
        last = sub.layers[-1]
        quantizer = getattr(last, "quantizer", None) or getattr(last, "activation", None)
        km = _fitted(values, bits, quantizer)
        kms.append(km)
        tables.append(create_in_out_table(km, quantizer) if hasattr(quantizer, "range") else
                      (km.cluster_centers_.ravel(), None))
    x = X_test
    for sub, km in zip(models[:-1], kms, strict=True):
        x = np.asarray(sub.predict(x, verbose=0))
        x = km.cluster_centers_.ravel()[_indices(km, x)]
    models[-1].evaluate(x, y_test, verbose=0)
    return tables, models, kms


def two_tier_embedding_compression(embeddings: np.ndarray, bits: int, quantizer: Any = None
                                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows clustered into 2**bits blocks (tier one), each block's values into 2**bits codebook values (tier
    two). Returns (index_table: each value's index in its row's block table, cluster_index_table: each row's
    block, codebook_table: (blocks, values), quantized_embeddings: every value replaced by its codebook value)."""
    _check_bits(bits)
    embeddings = np.asarray(embeddings, dtype=np.float64)
    n = 2 ** bits
    from sklearn.cluster import KMeans

    blocks = KMeans(n, n_init=10, random_state=SEED).fit_predict(embeddings)
    index_table = np.zeros(embeddings.shape, dtype=np.uint8)
    codebook_table = np.zeros((n, n))
    quantized = embeddings.copy()
    for block in range(n):
        rows = np.flatnonzero(blocks == block)
        if not len(rows):
            continue
        km = _fitted(embeddings[rows].reshape(-1, 1), bits, quantizer)
        codebook_table[block] = km.cluster_centers_.ravel()
        index_table[rows] = _indices(km, embeddings[rows])
        quantized[rows] = codebook_table[block][index_table[rows]]
    return index_table, blocks.astype(np.uint8), codebook_table, quantized


def _fitted(values: np.ndarray, bits: int, quantizer: Any):
    """A KMeans of 2**bits centres fitted to `values` (n, 1), its centres then quantized and sorted (predict
    reads the centres, so indices follow the sorted, quantized table)."""
    try:
        from sklearn.cluster import KMeans
    except ImportError:  # an optional dependency: name the package that brings it
        raise ImportError("codebook compression needs scikit-learn (pip install 'hwq[study]')") from None
    if len(values) < 2 ** bits:
        raise ValueError(f"a codebook of 2**{bits} values needs at least {2 ** bits} values to cluster, got "
                         f"{len(values)} (a slice along `axis` is too small: fewer bits, or another axis)")
    km = KMeans(2 ** bits, n_init=10, random_state=SEED).fit(np.asarray(values, dtype=np.float64))
    centres = km.cluster_centers_
    if quantizer is not None:
        centres = np.asarray(keras.ops.convert_to_numpy(quantizer(centres.astype(np.float32))), dtype=np.float64)
    km.cluster_centers_ = np.sort(centres.reshape(-1, 1), axis=0)
    return km


def _indices(km, values: np.ndarray) -> np.ndarray:
    """Each value's index of its nearest codebook entry, values' shape (KMeans fitted on float64 predicts on it)."""
    values = np.asarray(values, dtype=np.float64)
    return km.predict(values.reshape(-1, 1)).reshape(values.shape)


def _split(model: keras.Model, cuts: set[int], compile_config: dict) -> list[keras.Model]:
    """The model's layer chain as submodels, each ending after a layer of `cuts` or at the last layer."""
    models, x = [], None
    x_in = x = keras.Input(model.layers[0].output.shape[1:], dtype=model.layers[0].output.dtype)
    for i, layer in enumerate(model.layers[1:], start=1):
        x = layer(x)
        if i in cuts or i == len(model.layers) - 1:
            sub = keras.Model(x_in, x)
            sub.compile(**compile_config)
            models.append(sub)
            x_in = x = keras.Input(layer.output.shape[1:], dtype=layer.output.dtype)
    return models


def _check_bits(bits: int) -> None:
    if not isinstance(bits, int) or not 1 <= bits <= 8:
        raise ValueError(f"bits={bits!r}: a codebook has 2**bits values, 1 <= bits <= 8 (indices are uint8)")
