"""qkeras.qtools.quantized_operators.adder_factory (hwq.qtools.adder_impl)."""

from hwq.qtools.adder_impl import IAdder

__all__ = ["IAdder"]
