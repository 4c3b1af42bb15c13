"""qkeras.qtools: energy and data types of a quantized model (hwq.qtools)."""

from hwq.qtools import *  # noqa: F403
from hwq.qtools import __all__  # noqa: F401
