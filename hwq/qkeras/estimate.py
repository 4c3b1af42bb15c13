"""qkeras.estimate: accumulator analysis and operation counts (hwq.estimate)."""

from hwq.estimate import *  # noqa: F403
from hwq.estimate import __all__  # noqa: F401
