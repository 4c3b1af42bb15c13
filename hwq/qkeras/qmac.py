"""qkeras.qmac: QScaleShift, one quantized scale and shift over a whole tensor."""

from hwq.layers import QScaleShift

__all__ = ["QScaleShift"]
