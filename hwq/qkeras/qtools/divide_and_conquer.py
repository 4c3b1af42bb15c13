"""qkeras.qtools.divide_and_conquer: the first divide-and-conquer area search, NAIVE cost (hwq.qtools.dnc.naive)."""

from hwq.qtools.dnc.naive import *  # noqa: F403
from hwq.qtools.dnc.naive import __all__  # noqa: F401
