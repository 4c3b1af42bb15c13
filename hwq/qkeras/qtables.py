"""qkeras.qtables: activation and embedding codebooks (hwq.utils.codebook_tables, over hwq.codebook).

QKeras' `QCodebookEmbedding` is not offered: it is an unfinished class there (it never initializes its Keras base,
assigns the read-only `weights`, and has no call), so there is no behaviour to match."""

from hwq.utils.codebook_tables import codebook_embeddings, create_in_out_table, create_indirect_indexes

__all__ = ["codebook_embeddings", "create_in_out_table", "create_indirect_indexes"]
