"""QKeras' qtools multipliers (`qkeras.qtools.quantized_operators.multiplier_impl` and `multiplier_factory`).

A multiplier object holds its operands (`weights`, `input`), its `output` type and the energy gate
(`gate_factor` relative to an adder of `gate_bits` bits); `implemented_as()` names the hardware. The output
object is the template the caller hands in (QKeras' table gives a QuantizedBits, PowerOfTwo, Ternary, Binary
or FloatingPoint one), rewritten in place with the widths hwq.qtools.qtypes.make_multiplier computes.
"""

from __future__ import annotations

import abc
import copy
from typing import Any

from hwq.qtools.qtypes import Multiplier, kind_for_modes, make_multiplier, product_mode
from hwq.qtools.quantizer_impl import (
    Binary,
    FloatingPoint,
    IQuantizer,
    PowerOfTwo,
    QuantizedBits,
    Ternary,
    as_quantizer,
    from_qtype,
)
from hwq.utils.qstats import BINARY, BINARY01, FIXED, FLOAT, PO2, TERNARY


class IMultiplier(abc.ABC):
    """How a product is built in hardware (a multiplier, a shifter, a mux, a gate or an exponent adder)."""

    def __init__(self, weight_quantizer: IQuantizer, input_quantizer: IQuantizer, output_quantizer: IQuantizer) -> None:
        self.input = as_quantizer(input_quantizer)  # an hwq QType becomes its QKeras object
        self.weights = as_quantizer(weight_quantizer)
        self.output = output_quantizer
        self.output.op_type = "multiplier"
        self.gate_factor: float = 1.0
        self.gate_bits: float = 0.0

    @staticmethod
    @abc.abstractmethod
    def implemented_as() -> str:
        """QKeras' name of the hardware: mul, shifter, mux, xor, and or add."""

    def name(self) -> str:
        return self.output.name

    def output_quantizer(self) -> IQuantizer:
        return self.output

    def _size(self) -> None:
        # the output template's mode stands, as in QKeras (a bare IQuantizer leaves it to the table)
        mode = self.output.mode if self.output.mode in (FIXED, PO2, TERNARY, BINARY, BINARY01, FLOAT) else None
        record = make_multiplier(self.weights.to_qtype(), self.input.to_qtype(), self.implemented_as(), mode)
        self.output._take(record.output)
        self.gate_factor, self.gate_bits = record.gate_factor, record.gate_bits

    def to_record(self) -> Multiplier:
        """hwq's immutable record of this multiplier."""
        return Multiplier(self.implemented_as(), self.output.to_qtype(), self.gate_factor, self.gate_bits)


def assert_neither_input_and_weights_is_floating_point(multiplier: IMultiplier) -> None:
    """Integer hardware takes no float operand (QKeras asserts the same)."""
    assert not multiplier.input.is_floating_point
    assert not multiplier.weights.is_floating_point


class _Sized(IMultiplier):
    """A multiplier whose output is sized from its operands as it is made (after its operand check)."""

    def __init__(self, weight_quantizer: IQuantizer, input_quantizer: IQuantizer, output_quantizer: IQuantizer) -> None:
        super().__init__(weight_quantizer, input_quantizer, output_quantizer)
        self.check()
        self._size()

    def check(self) -> None:
        """The operands this hardware takes (QKeras asserts the same); any by default."""


class Mux(_Sized):
    """A binary (±1) or ternary operand selects, and negates, the other one."""

    @staticmethod
    def implemented_as() -> str:
        return "mux"


class XorGate(_Sized):
    """±1 times ±1: one xor of the sign bits."""

    def check(self) -> None:
        if self.output.mode != TERNARY:
            assert_neither_input_and_weights_is_floating_point(self)

    @staticmethod
    def implemented_as() -> str:
        return "xor"


class Shifter(_Sized):
    """A power of two times fixed point: a barrel shift over the exponents the po2 operand spans."""

    def check(self) -> None:
        assert_neither_input_and_weights_is_floating_point(self)

    @staticmethod
    def implemented_as() -> str:
        return "shifter"


class AndGate(_Sized):
    """{0, 1} times anything: an and gate per bit."""

    @staticmethod
    def implemented_as() -> str:
        return "and"


class Adder(_Sized):
    """A power of two times a power of two: the exponents add."""

    def check(self) -> None:
        assert_neither_input_and_weights_is_floating_point(self)

    @staticmethod
    def implemented_as() -> str:
        return "add"


class FloatingPointMultiplier(_Sized):
    """At least one float operand: a float multiplier as wide as the widest float."""

    def check(self) -> None:
        assert self.input.is_floating_point or self.weights.is_floating_point

    @staticmethod
    def implemented_as() -> str:
        return "mul"


class FixedPointMultiplier(_Sized):
    """Fixed point times fixed point: the integer and the fraction bits of both operands."""

    def check(self) -> None:
        assert_neither_input_and_weights_is_floating_point(self)

    @staticmethod
    def implemented_as() -> str:
        return "mul"


_CLASS_OF_KIND: dict[str, type[IMultiplier]] = {"mul": FixedPointMultiplier, "shifter": Shifter, "mux": Mux,
                                                "xor": XorGate, "and": AndGate, "add": Adder}


def output_template(mode: int) -> IQuantizer:
    """A fresh output object of the class QKeras' table gives a product of this mode."""
    templates = {FIXED: QuantizedBits, PO2: PowerOfTwo, TERNARY: Ternary, BINARY: Binary}
    if mode == BINARY01:
        return Binary(use_01=True)
    if mode == FLOAT:
        return FloatingPoint(bits=None)
    return templates[mode]()


def multiplier_table() -> list[list[tuple[type[IMultiplier], IQuantizer]]]:
    """QKeras' multiplier_impl_table: [weight mode][input mode] -> (class, output template), built from
    hwq's tables of kinds and product modes."""
    table = []
    for w_mode in range(6):
        row = []
        for x_mode in range(6):
            mode = product_mode(w_mode, x_mode)
            cls = FloatingPointMultiplier if mode == FLOAT else _CLASS_OF_KIND[kind_for_modes(w_mode, x_mode)]
            row.append((cls, output_template(mode)))
        table.append(row)
    return table


def from_record(record: Multiplier, weights: Any, inputs: Any) -> IMultiplier:
    """The QKeras object of hwq's multiplier record (its output taken as it is, not recomputed: a data type
    map may have replaced it by a default type)."""
    cls = FloatingPointMultiplier if record.output.is_float else _CLASS_OF_KIND[record.kind]
    obj = cls.__new__(cls)
    output = (output_template(record.output.mode) if record.output.mode == PO2
              else from_qtype(record.output))  # a power-of-two product is QKeras' PowerOfTwo template
    output._take(record.output)
    IMultiplier.__init__(obj, weights, inputs, output)
    obj.gate_factor, obj.gate_bits = record.gate_factor, record.gate_bits
    return obj


class MultiplierFactory:
    """QKeras' MultiplierFactory: the multiplier of a weight type and an input type (QKeras objects or hwq
    QTypes), working on copies so the operands stay as they were."""

    def __init__(self) -> None:
        self.multiplier_impl_table = multiplier_table()

    def make_multiplier(self, weight_quantizer: Any, input_quantizer: Any) -> IMultiplier:
        if weight_quantizer is None or input_quantizer is None:
            raise ValueError("a multiplier needs both a weight and an input type")
        w, x = as_quantizer(weight_quantizer), as_quantizer(input_quantizer)
        cls, template = self.multiplier_impl_table[w.mode][x.mode]
        return cls(copy.deepcopy(w), copy.deepcopy(x), copy.deepcopy(template))


__all__ = ["IMultiplier", "assert_neither_input_and_weights_is_floating_point", "Mux", "XorGate", "Shifter",
           "AndGate", "Adder", "FloatingPointMultiplier", "FixedPointMultiplier", "output_template",
           "multiplier_table", "from_record", "MultiplierFactory"]
