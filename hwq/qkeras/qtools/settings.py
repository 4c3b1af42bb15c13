"""qkeras.qtools.settings: the global qtools settings `cfg` (hwq.qtools.settings)."""

from hwq.qtools.settings import ConfigClass, cfg

__all__ = ["ConfigClass", "cfg"]
