"""quantizeml.tensors on hwq: QTensor, FixedPoint, QFloat and the power-of-two helpers, exact on integers."""

from hwq.quantizeml.tensors.fixed_point import FixedPoint
from hwq.quantizeml.tensors.functions import ceil_log2, floor_log2, pow2, round_log2
from hwq.quantizeml.tensors.qfloat import QFloat
from hwq.quantizeml.tensors.qtensor import QTensor
from hwq.quantizeml.tensors.validation import FRAC_BITS_LIMIT, MAX_VALUE_BITS

__all__ = [
    "QTensor", "FixedPoint", "QFloat", "pow2", "ceil_log2", "floor_log2", "round_log2",
    "MAX_VALUE_BITS", "FRAC_BITS_LIMIT",
]
