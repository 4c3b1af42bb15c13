"""qkeras.qdepthwiseconv2d_batchnorm: a QDepthwiseConv2D with its batch normalization folded in."""

from hwq.layers import QDepthwiseConv2DBatchnorm

__all__ = ["QDepthwiseConv2DBatchnorm"]
