"""qkeras.qtools.quantized_operators.multiplier_impl: the qtools multiplier classes (hwq.qtools.multiplier_impl)."""

from hwq.qtools.multiplier_impl import (
    Adder,
    AndGate,
    FixedPointMultiplier,
    FloatingPointMultiplier,
    IMultiplier,
    Mux,
    Shifter,
    XorGate,
    assert_neither_input_and_weights_is_floating_point,
)

__all__ = ["IMultiplier", "assert_neither_input_and_weights_is_floating_point", "Mux", "XorGate", "Shifter",
           "AndGate", "Adder", "FloatingPointMultiplier", "FixedPointMultiplier"]
