"""qkeras.qtools: energy and data types of a quantized model (hwq.qtools)."""

from hwq.qtools import *  # noqa: F403
from hwq.qtools import __all__ as _qtools_all
from hwq.qtools.settings import cfg as qtools_cfg

__all__ = [*_qtools_all, "qtools_cfg"]
