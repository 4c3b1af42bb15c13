"""qkeras.qtools.quantized_operators.quantizer_factory (hwq.qtools.quantizer_factory)."""

from hwq.qtools.quantizer_factory import QuantizerFactory

__all__ = ["QuantizerFactory"]
