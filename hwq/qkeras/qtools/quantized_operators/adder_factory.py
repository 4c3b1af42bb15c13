"""qkeras.qtools.quantized_operators.adder_factory (hwq.qtools.operators)."""

from hwq.qtools.operators import IAdder

__all__ = ["IAdder"]
