"""qkeras.qtools.quantized_operators.divider_factory (hwq.qtools.divider_impl)."""

from hwq.qtools.divider_impl import IDivider, UnacceptedQuantizerError

__all__ = ["IDivider", "UnacceptedQuantizerError"]
