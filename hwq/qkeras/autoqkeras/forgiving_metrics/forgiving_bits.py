"""qkeras.autoqkeras.forgiving_metrics.forgiving_bits: the bits goal (hwq.autoqkeras.forgiving.bits)."""

from hwq.autoqkeras.forgiving.bits import ForgivingFactorBits

__all__ = ["ForgivingFactorBits"]
