"""qkeras.codebook: k-means codebook compression of weights, activations and embeddings (hwq.codebook)."""

from hwq.codebook import activation_compression, create_in_out_table, two_tier_embedding_compression, weight_compression

__all__ = ["activation_compression", "create_in_out_table", "two_tier_embedding_compression", "weight_compression"]
