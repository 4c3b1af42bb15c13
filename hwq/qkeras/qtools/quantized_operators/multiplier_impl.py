"""qkeras.qtools.quantized_operators.multiplier_impl: the multiplier record (hwq.qtools.qtypes.Multiplier)."""

from hwq.qtools.qtypes import Multiplier

IMultiplier = Multiplier

__all__ = ["IMultiplier"]
