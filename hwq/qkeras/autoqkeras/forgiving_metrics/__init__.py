"""qkeras.autoqkeras.forgiving_metrics: the cost goals and their registry (hwq.autoqkeras.forgiving)."""

from hwq.autoqkeras.forgiving import ForgivingFactor, ForgivingFactorBits, ForgivingFactorPower, forgiving_factor

__all__ = ["ForgivingFactor", "ForgivingFactorBits", "ForgivingFactorPower", "forgiving_factor"]
