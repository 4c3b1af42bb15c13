"""The forgiving factors: what a trial's cost is (bits or energy) and how it adjusts the trial's score.

`forgiving_factor` maps a goal's "type" to its class: AutoQKeras builds `forgiving_factor[goal["type"]]
(**goal["params"])` from a goal dict.
"""

from hwq.autoqkeras.forgiving.bits import ForgivingFactorBits
from hwq.autoqkeras.forgiving.energy import ForgivingFactorPower
from hwq.autoqkeras.forgiving.factor import ForgivingFactor

forgiving_factor: dict[str, type[ForgivingFactor]] = {"bits": ForgivingFactorBits, "energy": ForgivingFactorPower}

__all__ = ["ForgivingFactor", "ForgivingFactorBits", "ForgivingFactorPower", "forgiving_factor"]
