"""qkeras.qseparable_conv2d_transpose: the quantized separable transposed convolution."""

from hwq.layers import QSeparableConv2DTranspose

__all__ = ["QSeparableConv2DTranspose"]
