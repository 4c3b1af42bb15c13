"""qkeras.qdepthwise_conv2d_transpose: the quantized depthwise (grouped) transposed convolution."""

from hwq.layers import QDepthwiseConv2DTranspose

__all__ = ["QDepthwiseConv2DTranspose"]
