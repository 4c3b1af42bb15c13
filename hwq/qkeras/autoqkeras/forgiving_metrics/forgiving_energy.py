"""qkeras.autoqkeras.forgiving_metrics.forgiving_energy: the energy goal (hwq.autoqkeras.forgiving.energy)."""

from hwq.autoqkeras.forgiving.energy import ForgivingFactorPower

__all__ = ["ForgivingFactorPower"]
