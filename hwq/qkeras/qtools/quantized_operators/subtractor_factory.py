"""qkeras.qtools.quantized_operators.subtractor_factory (hwq.qtools.adder_impl)."""

from hwq.qtools.adder_impl import ISubtractor

__all__ = ["ISubtractor"]
