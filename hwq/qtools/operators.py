"""qtools' factories (quantizer, multiplier, accumulator, adder) on hwq's immutable types, for hwq's own code.

Every factory here returns hwq's QType or Multiplier, or a small record holding one; the rules are those of
hwq.qtools.qtypes. A QType answers QKeras' attribute names (bits, int_bits, is_signed, mode,
is_floating_point, is_po2, max_val_po2); a Multiplier its output, gate_factor, gate_bits and
implemented_as(). Change a type with dataclasses.replace rather than by assignment. QKeras' own mutable
classes (what `qkeras.qtools.quantized_operators` offers) are hwq.qtools.quantizer_impl, multiplier_impl,
accumulator_impl, adder_impl, ...; their objects are accepted here too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import prod
from typing import Any

from hwq.qtools.qtypes import (
    FLOATINGPOINT_BITS,
    Multiplier,
    QType,
    make_accumulator,
    make_adder,
    make_multiplier,
    qtype_of,
)
from hwq.utils.qstats import FLOAT, get_quant_mode


@dataclass(frozen=True)
class Sum:
    """An adder's result type, in QKeras' shape: `.output` and `implemented_as()`."""

    output: QType

    def implemented_as(self) -> str:
        return "add"


@dataclass(frozen=True)
class Accumulator(Sum):
    """The type a MAC's products are summed into."""


class QuantizerFactory:
    """The qtools type of a quantizer; what is not a quantizer gets the default intermediate type that
    `settings.cfg` held when the factory was made."""

    def __init__(self) -> None:
        from hwq.qtools.settings import cfg

        self._default_interm_quantizer = cfg.default_interm_quantizer

    def make_quantizer(self, quantizer: Any) -> QType:
        if quantizer is None or not self.is_quantizer_supported(quantizer):
            return self.make_default_quantizer(self._default_interm_quantizer)
        return qtype_of(quantizer)

    def is_quantizer_supported(self, quantizer: Any) -> bool:
        """None (it takes the default), a QType or QKeras qtools object, a quantizer string, or a quantizer of
        a known mode."""
        if quantizer is None or isinstance(quantizer, QType) or hasattr(quantizer, "to_qtype"):
            return True
        if isinstance(quantizer, str):
            try:
                qtype_of(quantizer)
            except Exception:  # noqa: BLE001 - any parse failure means "not a quantizer"
                return False
            return True
        return get_quant_mode(quantizer)[0] != FLOAT

    def make_default_quantizer(self, mode: Any) -> QType:
        """'intN', 'fpN', a quantizer string or object."""
        try:
            return qtype_of(mode)
        except Exception as e:  # noqa: BLE001 - report the mode, whatever the parser said
            raise ValueError(f"unaccepted quantizer {mode!r}") from e

    def clone_quantizer(self, quantizer: QType) -> QType:
        return replace(quantizer)


class MultiplierFactory:
    """What multiplies a weight of one type by an input of another (qtools' table) and its result type."""

    def make_multiplier(self, weight_quantizer: QType, input_quantizer: QType) -> Multiplier:
        if weight_quantizer is None or input_quantizer is None:
            raise ValueError("a multiplier needs both a weight and an input type")
        return make_multiplier(qtype_of(weight_quantizer), qtype_of(input_quantizer))


class AccumulatorFactory:
    """The sum of one output's products: a kernel of shape (..., outputs) adds prod(shape[:-1]) of them,
    plus the bias when use_bias (QKeras counts it as one more addend)."""

    def make_accumulator(self, kernel_shape: tuple[int, ...], multiplier: Multiplier,
                         use_bias: bool = True) -> Accumulator:
        addends = int(prod(int(d) for d in kernel_shape[:-1])) + int(bool(use_bias))
        return Accumulator(make_accumulator(qtype_of(multiplier.output), addends, None))


class IAdder:
    """QKeras' adder factory: the type of the sum of two types."""

    def make_quantizer(self, quantizer_1: QType, quantizer_2: QType) -> Sum:
        return Sum(make_adder(qtype_of(quantizer_1), qtype_of(quantizer_2)))


__all__ = ["FLOATINGPOINT_BITS", "Sum", "Accumulator", "QuantizerFactory", "MultiplierFactory",
           "AccumulatorFactory", "IAdder"]
