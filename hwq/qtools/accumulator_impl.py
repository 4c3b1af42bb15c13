"""QKeras' qtools accumulators (`qkeras.qtools.quantized_operators.accumulator_impl` and
`accumulator_factory`): the type a layer's products are summed into, from hwq.qtools.qtypes.make_accumulator.

QKeras counts prod(kernel_shape[:-1]) products per output and, with use_bias, the bias as one more addend;
the sum gains ceil(log2(addends)) integer bits. A power-of-two product is first the fixed-point type
spanning its exponents (Po2Accumulator); a float product is summed as that float.
"""

from __future__ import annotations

import abc
import copy
from math import prod
from typing import Any

from hwq.qtools.qtypes import make_accumulator, po2_as_fixed, qtype_of, sum_growth
from hwq.qtools.quantizer_impl import FloatingPoint, IQuantizer, QuantizedBits, from_qtype


def po2_to_qbits(quantizer: Any) -> tuple[int, int]:
    """(bits, int_bits) of the fixed-point type holding every value of a power-of-two type."""
    q = po2_as_fixed(qtype_of(quantizer))
    return q.bits, q.int_bits


class IAccumulator(abc.ABC):
    """The sum of a layer's products: `multiplier` and the `output` type."""

    multiplier: Any
    output: IQuantizer

    @staticmethod
    @abc.abstractmethod
    def implemented_as() -> str:
        """Always "add": an accumulator is an adder."""


class FloatingPointAccumulator(IAccumulator):
    def __init__(self, multiplier: Any) -> None:
        super().__init__()
        self.multiplier = multiplier
        self.output = from_qtype(make_accumulator(qtype_of(multiplier.output), 1, None), FloatingPoint)
        self.output.op_type = "accumulator"

    @staticmethod
    def implemented_as() -> str:
        return "add"


class FixedPointAccumulator(IAccumulator):
    def __init__(self, kernel_shape: tuple[int, ...], multiplier: Any, use_bias: bool = True) -> None:
        super().__init__()
        assert not multiplier.output.is_floating_point
        addends = int(prod(int(d) for d in kernel_shape[:-1])) + int(bool(use_bias))
        self.log_add_ops = sum_growth(addends)
        self.multiplier = multiplier
        self.output = from_qtype(make_accumulator(qtype_of(multiplier.output), addends, None), QuantizedBits)
        self.output.op_type = "accumulator"

    @staticmethod
    def implemented_as() -> str:
        return "add"


class Po2Accumulator(FixedPointAccumulator):
    """The sum of power-of-two products (po2 × po2, or a po2 selected by binary/ternary): make_accumulator
    converts them to fixed point first, as QKeras does for this class."""

    def __init__(self, kernel_shape: tuple[int, ...], multiplier: Any, use_bias: bool = True) -> None:
        assert multiplier.output.is_po2
        super().__init__(kernel_shape, multiplier, use_bias)


def from_output(output: Any, multiplier: Any) -> IAccumulator:
    """The QKeras accumulator object holding a given output type (hwq's data type map has it already: the sum
    of the products and the bias, or a default type)."""
    mult_out = multiplier.output
    cls = (FloatingPointAccumulator if mult_out.is_floating_point else Po2Accumulator if mult_out.is_po2
           else FixedPointAccumulator)
    obj = cls.__new__(cls)
    obj.multiplier = multiplier
    obj.output = from_qtype(qtype_of(output))
    obj.output.op_type = "accumulator"
    return obj


class AccumulatorFactory:
    """QKeras' AccumulatorFactory: the accumulator of a multiplier (a QKeras object or hwq's record) over a
    kernel of shape (..., outputs), on a copy of the multiplier."""

    def make_accumulator(self, kernel_shape: tuple[int, ...], multiplier: Any, use_bias: bool = True) -> IAccumulator:
        local = copy.deepcopy(multiplier)
        if local.output.is_floating_point:
            return FloatingPointAccumulator(local)
        if local.output.is_po2:
            return Po2Accumulator(kernel_shape, local, use_bias)
        return FixedPointAccumulator(kernel_shape, local, use_bias)


__all__ = ["po2_to_qbits", "IAccumulator", "FloatingPointAccumulator", "FixedPointAccumulator", "Po2Accumulator",
           "from_output", "AccumulatorFactory"]
