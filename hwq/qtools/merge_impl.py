"""QKeras' qtools merge layers (`qkeras.qtools.quantized_operators.merge_factory`): the output type of Add,
Multiply, Maximum, Minimum, Average and Concatenate from the types of their inputs.

Each takes QKeras' input list of (quantizer, edge) pairs and holds `input_quantizers`, `edges`, `output`
and an energy gate. Add sums n inputs as an accumulator of n addends of their common type (hwq.qtools.qtypes
union_of and make_accumulator); Multiply chains qtools multipliers; Maximum, Minimum, Average and
Concatenate output the common type (the first input itself when all are alike).
"""

from __future__ import annotations

import abc
from typing import Any

from hwq.qtools.multiplier_impl import IMultiplier, MultiplierFactory
from hwq.qtools.qtypes import make_accumulator, union_of
from hwq.qtools.quantizer_impl import IQuantizer, as_quantizer, from_qtype


class IMerger(abc.ABC):
    """A merge of several inputs: `input_quantizers` and the graph `edges` they came on."""

    output: IQuantizer
    gate_factor: float
    gate_bits: float

    def __init__(self, input_qe_list: list[Any]) -> None:
        pairs = [item if isinstance(item, tuple | list) else (item, None) for item in input_qe_list]
        if not pairs:
            raise ValueError(f"{type(self).__name__} needs at least one input")
        self.input_quantizers = [as_quantizer(q) for q, _ in pairs]
        self.edges = [edge for _, edge in pairs]


class Add(IMerger):
    """The sum of n inputs: their common type with ceil(log2 n) more integer bits."""

    def __init__(self, input_qe_list: list[Any]) -> None:
        super().__init__(input_qe_list)
        types = [q.to_qtype() for q in self.input_quantizers]
        self.output = from_qtype(make_accumulator(union_of(types), len(types), None))
        self.gate_factor, self.gate_bits = 1.0, self.output.bits

    def implemented_as(self) -> str:
        return "add"


class Multiply(IMerger):
    """The element-wise product: each input multiplied into the product of the ones before it."""

    def __init__(self, input_qe_list: list[Any]) -> None:
        super().__init__(input_qe_list)
        if len(self.input_quantizers) < 2:
            raise ValueError("Multiply needs at least two inputs")
        factory = MultiplierFactory()
        product = self.input_quantizers[0]
        for q in self.input_quantizers[1:]:
            multiplier = factory.make_multiplier(product, q)
            product = multiplier.output
        self.output = product
        self.impl_class: IMultiplier = multiplier  # the last multiplier prices the merge, as in QKeras
        self.gate_factor, self.gate_bits = multiplier.gate_factor, multiplier.gate_bits

    def implemented_as(self) -> str:
        return self.impl_class.implemented_as()


class Maximum(IMerger):
    """The element-wise maximum: a value of one input, so their common type."""

    gate = 0.2  # relative energy of a comparison

    def __init__(self, input_qe_list: list[Any]) -> None:
        super().__init__(input_qe_list)
        first = self.input_quantizers[0]
        if all(_alike(first, q) for q in self.input_quantizers[1:]):
            self.output = first
        else:
            self.output = from_qtype(union_of([q.to_qtype() for q in self.input_quantizers]))
        self.gate_factor, self.gate_bits = self.gate, self.output.bits

    @staticmethod
    def implemented_as() -> str:
        return "add"


class Minimum(Maximum):
    pass


class Average(Maximum):
    """The element-wise mean, in the inputs' common type (QKeras adds no fraction bits for the division)."""

    gate = 1.0


class Concatenate(Maximum):
    """The inputs side by side: their common type, no arithmetic."""

    gate = 0.0


class Dot(IMerger):
    def __init__(self, input_qe_list: list[Any]) -> None:
        raise NotImplementedError("qtools has no type rule for Dot (QKeras leaves it unfinished too)")


def _alike(a: IQuantizer, b: IQuantizer) -> bool:
    """QKeras' test for inputs of one type: same name, bits, integer bits and sign."""
    return (a.name, a.bits, a.int_bits, a.is_signed) == (b.name, b.bits, b.int_bits, b.is_signed)


_MERGES: dict[str, type[IMerger]] = {"Add": Add, "Multiply": Multiply, "Maximum": Maximum, "Minimum": Minimum,
                                     "Average": Average, "Concatenate": Concatenate, "Dot": Dot}


class MergeFactory:
    """QKeras' MergeFactory: make_quantizer(input_qe_list, layer class name); None for other layers."""

    def make_quantizer(self, input_qe_list: list[Any], layer_type: str) -> IMerger | None:
        cls = _MERGES.get(layer_type)
        return cls(input_qe_list) if cls is not None else None


__all__ = ["IMerger", "Add", "Multiply", "Maximum", "Minimum", "Average", "Concatenate", "Dot", "MergeFactory"]
