"""qkeras.qtools.quantized_operators.accumulator_factory (hwq.qtools.accumulator_impl)."""

from hwq.qtools.accumulator_impl import AccumulatorFactory

__all__ = ["AccumulatorFactory"]
