"""qkeras.qtools.quantized_operators.adder_impl: the qtools adder classes (hwq.qtools.adder_impl)."""

from hwq.qtools.adder_impl import (
    FixedPointAdder,
    FloatingPointAdder,
    IAdderImpl,
    Po2Adder,
    Po2FixedPointAdder,
    po2_qbits_converter,
)

__all__ = ["po2_qbits_converter", "IAdderImpl", "FixedPointAdder", "FloatingPointAdder", "Po2FixedPointAdder",
           "Po2Adder"]
