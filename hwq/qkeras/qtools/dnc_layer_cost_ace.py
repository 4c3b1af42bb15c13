"""qkeras.qtools.dnc_layer_cost_ace: the ACE MAC area fit and memory gates per bit (hwq.qtools.dnc.ace_cost)."""

from hwq.qtools.dnc.ace_cost import *  # noqa: F403
from hwq.qtools.dnc.ace_cost import __all__  # noqa: F401
