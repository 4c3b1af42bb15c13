"""qkeras.qtools.quantized_operators.multiplier_factory (hwq.qtools.operators)."""

from hwq.qtools.operators import MultiplierFactory

__all__ = ["MultiplierFactory"]
