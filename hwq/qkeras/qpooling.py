"""qkeras.qpooling: quantized average pooling."""

from hwq.layers import QAveragePooling2D, QGlobalAveragePooling2D

__all__ = ["QAveragePooling2D", "QGlobalAveragePooling2D"]
