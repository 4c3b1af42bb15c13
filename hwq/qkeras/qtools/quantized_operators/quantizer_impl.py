"""qkeras.qtools.quantized_operators.quantizer_impl: the qtools type (hwq.qtools.qtypes.QType)."""

from hwq.qtools.operators import FLOATINGPOINT_BITS
from hwq.qtools.qtypes import QType

IQuantizer = QType

__all__ = ["FLOATINGPOINT_BITS", "IQuantizer"]
