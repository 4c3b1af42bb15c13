"""QKeras' qtools dividers (`qkeras.qtools.quantized_operators.divider_impl` and `divider_factory`), used by
batch normalization for gamma / stddev or x / stddev, sized by hwq.qtools.qtypes.make_divider.

Dividing by a power of two is a shift (Shifter) or, for a power of two over one, an exponent subtraction
(Subtractor); anything over a float, or over fixed point, is a float division (FloatingPointDivider, a
32-bit float for a fixed-point denominator). Binary and ternary denominators raise UnacceptedQuantizerError.
"""

from __future__ import annotations

import abc
import copy
from typing import Any

from hwq.qtools.qtypes import FLOATINGPOINT_BITS, Multiplier, UnacceptedQuantizerError, make_divider
from hwq.qtools.quantizer_impl import FloatingPoint, IQuantizer, PowerOfTwo, QuantizedBits, as_quantizer
from hwq.utils.qstats import BINARY, BINARY01, FIXED, FLOAT, PO2, TERNARY


class IDividerImpl(abc.ABC):
    """numerator / denominator: the `output` type and the energy gate (`gate_factor`, `gate_bits`)."""

    def __init__(self, numerator_quantizer: Any, denominator_quantizer: Any, output_quantizer: IQuantizer) -> None:
        self.numerator_quantizier = as_quantizer(numerator_quantizer)  # QKeras' spelling of the attribute
        self.denominator_quantizer = as_quantizer(denominator_quantizer)
        self.output = output_quantizer
        record = make_divider(self.numerator_quantizier.to_qtype(), self.denominator_quantizer.to_qtype())
        self.output._take(record.output)
        self.gate_factor, self.gate_bits = record.gate_factor, record.gate_bits

    @property
    def numerator_quantizer(self) -> IQuantizer:
        return self.numerator_quantizier

    @staticmethod
    @abc.abstractmethod
    def implemented_as() -> str:
        """mul (a float division), shifter or add (an exponent subtraction)."""

    def to_record(self) -> Multiplier:
        return Multiplier(self.implemented_as(), self.output.to_qtype(), self.gate_factor, self.gate_bits)


class FloatingPointDivider(IDividerImpl):
    @staticmethod
    def implemented_as() -> str:
        return "mul"  # QKeras prices a float division as a float multiplication


class Shifter(IDividerImpl):
    @staticmethod
    def implemented_as() -> str:
        return "shifter"


class Subtractor(IDividerImpl):
    @staticmethod
    def implemented_as() -> str:
        return "add"


def _divider_entry(num_mode: int, den_mode: int) -> tuple[type[IDividerImpl] | None, IQuantizer | None]:
    """QKeras' divider table: (class, output template) for a numerator and a denominator mode."""
    if den_mode in (TERNARY, BINARY, BINARY01):
        return None, None
    if FLOAT in (num_mode, den_mode):
        return FloatingPointDivider, FloatingPoint(bits=None)
    if den_mode == FIXED:
        return FloatingPointDivider, FloatingPoint(bits=FLOATINGPOINT_BITS)
    if num_mode == PO2:
        return Subtractor, PowerOfTwo()
    return Shifter, PowerOfTwo() if num_mode in (BINARY, BINARY01) else QuantizedBits()


class IDivider:
    """QKeras' divider factory: make_quantizer(numerator, denominator), on copies of both."""

    def __init__(self) -> None:
        self.divider_impl_table = [[_divider_entry(n, d) for d in range(6)] for n in range(6)]

    def make_quantizer(self, numerator_quantizer: Any, denominator_quantizer: Any) -> IDividerImpl:
        num = copy.deepcopy(as_quantizer(numerator_quantizer))
        den = copy.deepcopy(as_quantizer(denominator_quantizer))
        cls, template = self.divider_impl_table[num.mode][den.mode]
        if cls is None:
            raise UnacceptedQuantizerError(f"denominator quantizer {den.name} not accepted!")
        return cls(num, den, copy.deepcopy(template))


__all__ = ["UnacceptedQuantizerError", "IDividerImpl", "FloatingPointDivider", "Shifter", "Subtractor", "IDivider"]
