"""qkeras.safe_eval: reading arguments out of strings, and calling a function a string names."""

from hwq.quantizers.strings import *  # noqa: F403
from hwq.quantizers.strings import __all__  # noqa: F401
