"""qkeras.qtools.quantized_operators.accumulator_impl: the accumulator record (hwq.qtools.operators)."""

from hwq.qtools.operators import Accumulator

IAccumulator = Accumulator

__all__ = ["IAccumulator"]
