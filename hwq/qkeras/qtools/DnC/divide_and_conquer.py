"""qkeras.qtools.DnC.divide_and_conquer: the divide-and-conquer area search, ACE cost (hwq.qtools.dnc.ace)."""

from hwq.qtools.dnc.ace import *  # noqa: F403
from hwq.qtools.dnc.ace import __all__  # noqa: F401
