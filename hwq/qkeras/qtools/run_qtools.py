"""qkeras.qtools.run_qtools: the QTools class."""

from hwq.qtools import QTools

__all__ = ["QTools"]
