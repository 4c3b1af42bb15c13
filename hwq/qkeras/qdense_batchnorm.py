"""qkeras.qdense_batchnorm: a QDense with its batch normalization folded in."""

from hwq.layers import QDenseBatchnorm

__all__ = ["QDenseBatchnorm"]
