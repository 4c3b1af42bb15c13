"""qkeras.qtools.qenergy: per-layer Horowitz energy of a data type map (hwq.qtools.qenergy)."""

from hwq.qtools.qenergy import energy_estimate

__all__ = ["energy_estimate"]
