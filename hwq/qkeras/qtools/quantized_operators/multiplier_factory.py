"""qkeras.qtools.quantized_operators.multiplier_factory (hwq.qtools.multiplier_impl)."""

from hwq.qtools.multiplier_impl import MultiplierFactory

__all__ = ["MultiplierFactory"]
