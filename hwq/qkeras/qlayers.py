"""qkeras.qlayers: QDense, QActivation, QAdaptiveActivation, Clip, QInitializer and the weight helpers."""

from hwq.layers import Clip, QActivation, QAdaptiveActivation, QDense
from hwq.layers.constraints import get_constraint
from hwq.loading.initializer import QInitializer, get_auto_range_constraint_initializer, get_initializer

__all__ = ["QDense", "QActivation", "QAdaptiveActivation", "Clip", "QInitializer", "get_constraint",
           "get_initializer", "get_auto_range_constraint_initializer"]
