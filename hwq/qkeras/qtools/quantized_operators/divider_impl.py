"""qkeras.qtools.quantized_operators.divider_impl: the qtools divider classes (hwq.qtools.divider_impl)."""

from hwq.qtools.divider_impl import FloatingPointDivider, IDividerImpl, Shifter, Subtractor

__all__ = ["IDividerImpl", "FloatingPointDivider", "Shifter", "Subtractor"]
