"""qkeras.qtools.qenergy.qenergy: energy_estimate (hwq.qtools.qenergy)."""

from hwq.qtools.qenergy import energy_estimate

__all__ = ["energy_estimate"]
