"""qkeras.autoqkeras.forgiving_metrics.forgiving_factor: the base class (hwq.autoqkeras.forgiving.factor)."""

from hwq.autoqkeras.forgiving.factor import ForgivingFactor

__all__ = ["ForgivingFactor"]
