"""qkeras.qconv2d_batchnorm: a QConv2D with its batch normalization folded in."""

from hwq.layers import QConv2DBatchnorm

__all__ = ["QConv2DBatchnorm"]
