"""qkeras.qtools.quantized_operators.qbn_factory: batch normalization types (hwq.qtools.batchnorm_impl)."""

from hwq.qtools.batchnorm_impl import QBNFactory

__all__ = ["QBNFactory"]
