"""QKeras' qtools adders and subtractors (`qkeras.qtools.quantized_operators.adder_impl`, `adder_factory`,
`subtractor_factory`): the type of a + b and a - b, from hwq.qtools.qtypes.make_adder / make_subtractor.

A sum is aligned on the finer fraction with one integer bit more than the wider operand, signed if either
is; a power of two first becomes the fixed-point type spanning its exponents; a float operand makes a float
sum. A difference of two unsigned operands gains a sign bit.
"""

from __future__ import annotations

import abc
import copy
from typing import Any

from hwq.qtools.qtypes import make_adder, make_subtractor, po2_as_fixed, qtype_of
from hwq.qtools.quantizer_impl import FloatingPoint, IQuantizer, QuantizedBits, as_quantizer, from_qtype
from hwq.utils.qstats import FLOAT, PO2


def po2_qbits_converter(po2_quantizer: Any) -> QuantizedBits:
    """The fixed-point object holding every value of a power-of-two type."""
    return from_qtype(po2_as_fixed(qtype_of(po2_quantizer)), QuantizedBits)


class IAdderImpl(abc.ABC):
    """An adder: its `output` type."""

    output: IQuantizer

    def __init__(self, quantizer_1: Any, quantizer_2: Any) -> None:
        total = make_adder(qtype_of(quantizer_1), qtype_of(quantizer_2))
        self.output = from_qtype(total, FloatingPoint if total.is_float else QuantizedBits)

    @staticmethod
    @abc.abstractmethod
    def implemented_as() -> str:
        """Always "add"."""


class FixedPointAdder(IAdderImpl):
    @staticmethod
    def implemented_as() -> str:
        return "add"


class FloatingPointAdder(IAdderImpl):
    @staticmethod
    def implemented_as() -> str:
        return "add"


class Po2FixedPointAdder(IAdderImpl):
    """A power of two plus fixed point (or binary/ternary): the power of two is converted first."""

    @staticmethod
    def implemented_as() -> str:
        return "add"


class Po2Adder(IAdderImpl):
    """Two powers of two: both are converted to fixed point first."""

    @staticmethod
    def implemented_as() -> str:
        return "add"


def _adder_class(mode_1: int, mode_2: int) -> type[IAdderImpl]:
    if FLOAT in (mode_1, mode_2):
        return FloatingPointAdder
    if mode_1 == mode_2 == PO2:
        return Po2Adder
    if PO2 in (mode_1, mode_2):
        return Po2FixedPointAdder
    return FixedPointAdder


class IAdder:
    """QKeras' adder factory: make_quantizer(a, b) is the adder of two types (QKeras objects or QTypes)."""

    def __init__(self) -> None:
        self.adder_impl_table = [[_adder_class(m1, m2) for m2 in range(6)] for m1 in range(6)]

    def make_quantizer(self, quantizer_1: Any, quantizer_2: Any) -> IAdderImpl:
        q1, q2 = copy.deepcopy(as_quantizer(quantizer_1)), copy.deepcopy(as_quantizer(quantizer_2))
        return self.adder_impl_table[q1.mode][q2.mode](q1, q2)


class ISubtractor(IAdder):
    """QKeras' subtractor factory: an adder whose result gains a sign bit when neither operand has one."""

    def make_quantizer(self, quantizer_1: Any, quantizer_2: Any) -> IAdderImpl:
        adder = super().make_quantizer(quantizer_1, quantizer_2)
        if not isinstance(adder, FloatingPointAdder):
            adder.output._take(make_subtractor(qtype_of(quantizer_1), qtype_of(quantizer_2)))
        return adder


__all__ = ["po2_qbits_converter", "IAdderImpl", "FixedPointAdder", "FloatingPointAdder", "Po2FixedPointAdder",
           "Po2Adder", "IAdder", "ISubtractor"]
