"""qkeras.qtools.quantized_operators.accumulator_factory (hwq.qtools.operators)."""

from hwq.qtools.operators import AccumulatorFactory

__all__ = ["AccumulatorFactory"]
