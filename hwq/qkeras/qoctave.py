"""qkeras.qoctave: octave convolutions, quantized (QOctaveConv2D) and float (OctaveConv2D)."""

from hwq.layers import GetActivationSuffix, OctaveConv2D, QOctaveConv2D

__all__ = ["QOctaveConv2D", "OctaveConv2D", "GetActivationSuffix"]
