"""qkeras.qtools.quantized_operators.fused_bn_factory: folded batch normalization types (hwq.qtools.batchnorm_impl)."""

from hwq.qtools.batchnorm_impl import FusedBNFactory

__all__ = ["FusedBNFactory"]
