"""qkeras.qconvolutional: the quantized convolutions."""

from hwq.layers import (
    QConv1D,
    QConv2D,
    QConv2DTranspose,
    QDepthwiseConv2D,
    QMobileNetSeparableConv2D,
    QSeparableConv1D,
    QSeparableConv2D,
)
from hwq.layers.qconv_transpose import deconv_output_length

__all__ = ["QConv1D", "QConv2D", "QConv2DTranspose", "QDepthwiseConv2D", "QSeparableConv1D", "QSeparableConv2D",
           "QMobileNetSeparableConv2D", "deconv_output_length"]
