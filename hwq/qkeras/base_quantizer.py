"""qkeras.base_quantizer: the quantizers' base class."""

from hwq.quantizers.base import BaseQuantizer

__all__ = ["BaseQuantizer"]
