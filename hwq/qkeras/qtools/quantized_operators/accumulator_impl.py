"""qkeras.qtools.quantized_operators.accumulator_impl: the qtools accumulator classes (hwq.qtools.accumulator_impl)."""

from hwq.qtools.accumulator_impl import (
    FixedPointAccumulator,
    FloatingPointAccumulator,
    IAccumulator,
    Po2Accumulator,
    po2_to_qbits,
)

__all__ = ["po2_to_qbits", "IAccumulator", "FloatingPointAccumulator", "FixedPointAccumulator", "Po2Accumulator"]
