"""qkeras.qtools.quantized_operators: qtools' quantizer, multiplier, accumulator, adder, divider, merge and batch
normalization types, QKeras' mutable classes over hwq's one set of width rules (hwq.qtools.qtypes)."""

from hwq.qkeras.qtools.quantized_operators.accumulator_factory import AccumulatorFactory
from hwq.qkeras.qtools.quantized_operators.accumulator_impl import (
    FixedPointAccumulator,
    FloatingPointAccumulator,
    IAccumulator,
)
from hwq.qkeras.qtools.quantized_operators.adder_factory import IAdder
from hwq.qkeras.qtools.quantized_operators.divider_factory import IDivider
from hwq.qkeras.qtools.quantized_operators.fused_bn_factory import FusedBNFactory
from hwq.qkeras.qtools.quantized_operators.merge_factory import MergeFactory
from hwq.qkeras.qtools.quantized_operators.multiplier_factory import MultiplierFactory
from hwq.qkeras.qtools.quantized_operators.multiplier_impl import (
    Adder,
    AndGate,
    FixedPointMultiplier,
    FloatingPointMultiplier,
    IMultiplier,
    Mux,
    Shifter,
    XorGate,
)
from hwq.qkeras.qtools.quantized_operators.qbn_factory import QBNFactory
from hwq.qkeras.qtools.quantized_operators.quantizer_factory import QuantizerFactory
from hwq.qkeras.qtools.quantized_operators.quantizer_impl import (
    Binary,
    FloatingPoint,
    IQuantizer,
    PowerOfTwo,
    QuantizedBits,
    QuantizedRelu,
    ReluPowerOfTwo,
    Ternary,
)
from hwq.qkeras.qtools.quantized_operators.subtractor_factory import ISubtractor

__all__ = ["AccumulatorFactory", "FixedPointAccumulator", "FloatingPointAccumulator", "IAccumulator", "IAdder",
           "IDivider", "FusedBNFactory", "MergeFactory", "MultiplierFactory", "Adder", "AndGate",
           "FixedPointMultiplier", "FloatingPointMultiplier", "IMultiplier", "Mux", "Shifter", "XorGate",
           "QBNFactory", "QuantizerFactory", "Binary", "FloatingPoint", "IQuantizer", "PowerOfTwo", "QuantizedBits",
           "QuantizedRelu", "ReluPowerOfTwo", "Ternary", "ISubtractor"]
