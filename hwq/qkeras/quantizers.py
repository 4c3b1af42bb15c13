"""qkeras.quantizers: the quantizers and quantization functions (hwq.quantizers)."""

from hwq.quantizers import *  # noqa: F403
from hwq.quantizers import __all__  # noqa: F401
