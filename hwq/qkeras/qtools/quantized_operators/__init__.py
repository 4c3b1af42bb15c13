"""qkeras.qtools.quantized_operators: qtools' type factories, faces over hwq's qtypes (hwq.qtools.operators)."""

from hwq.qkeras.qtools.quantized_operators.accumulator_factory import AccumulatorFactory
from hwq.qkeras.qtools.quantized_operators.accumulator_impl import IAccumulator
from hwq.qkeras.qtools.quantized_operators.adder_factory import IAdder
from hwq.qkeras.qtools.quantized_operators.multiplier_factory import MultiplierFactory
from hwq.qkeras.qtools.quantized_operators.multiplier_impl import IMultiplier
from hwq.qkeras.qtools.quantized_operators.quantizer_factory import QuantizerFactory
from hwq.qkeras.qtools.quantized_operators.quantizer_impl import IQuantizer

__all__ = ["AccumulatorFactory", "IAccumulator", "IAdder", "IMultiplier", "IQuantizer", "MultiplierFactory",
           "QuantizerFactory"]
