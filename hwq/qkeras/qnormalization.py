"""qkeras.qnormalization: quantized batch normalization."""

from hwq.layers import QBatchNormalization

__all__ = ["QBatchNormalization"]
