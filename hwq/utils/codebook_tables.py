"""QKeras' qtables module (the first form of its codebook module): activation and embedding codebooks, as faces
over hwq.codebook, where the k-means, the quantized and sorted tables and the index lookups are written once.

QKeras' own file cannot be imported (it reads `from quantizers import get_quantizer`, outside its package), so
these follow what its functions mean: create_indirect_indexes is activation_compression over every training
activation, and codebook_embeddings returns only the compressed embedding matrix.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from hwq.codebook import activation_compression, create_in_out_table, two_tier_embedding_compression, weight_compression

TIERS = (1, 2)


def create_indirect_indexes(model: keras.Model, compile_config: dict, activation_indexes: list[int], bits: int,
                            X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray
                            ) -> tuple[list, list[keras.Model], list]:
    """(cb_tables, submodels, fitted k-means): the model split after each layer of `activation_indexes`, each
    split's activations on X_train clustered into 2**bits codebook values (through that split's last layer's
    quantizer), the last submodel evaluated on X_test with every split's activations replaced by their codebook
    values. See hwq.codebook.activation_compression, which this is with sample_size=1."""
    return activation_compression(model, compile_config, activation_indexes, bits, X_train, y_train, X_test, y_test)


def codebook_embeddings(embeddings: np.ndarray, bits: int, quantizer: Any = None, tier: int = 2) -> np.ndarray:
    """The embedding matrix with every value replaced by its codebook value: tier=1 gives each row its own 2**bits
    values; tier=2 first groups the rows into 2**bits blocks by k-means, then gives each block 2**bits values.
    The codebook values go through `quantizer` when one is given."""
    if tier not in TIERS:
        raise ValueError(f"codebook_embeddings: tier={tier!r}, expected 1 (a codebook per row) or 2 (rows grouped "
                         "into blocks, a codebook per block)")
    embeddings = np.asarray(embeddings)
    if embeddings.ndim != 2:
        raise ValueError(f"codebook_embeddings: embeddings of shape {embeddings.shape}, expected a matrix "
                         "(rows, values)")
    if tier == 1:
        index_table, codebook_table = weight_compression(embeddings, bits, axis=0, quantizer=quantizer)
        return np.take_along_axis(codebook_table, index_table, axis=1)
    return two_tier_embedding_compression(embeddings, bits, quantizer)[3]


__all__ = ["create_indirect_indexes", "create_in_out_table", "codebook_embeddings"]
