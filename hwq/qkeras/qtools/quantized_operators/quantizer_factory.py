"""qkeras.qtools.quantized_operators.quantizer_factory (hwq.qtools.operators)."""

from hwq.qtools.operators import QuantizerFactory

__all__ = ["QuantizerFactory"]
