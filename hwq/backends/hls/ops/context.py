"""What an op printer is given and what it returns.

A printer is `(ctx, node) -> Printed`: it reads the node and the context (names, type spellings, the
arrays of every value, the flavour) and returns its template, a comment, and the fields the
template lays out: every name, index expression and literal already decided.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hwq.backends.hls.code import CArray, CFunction
from hwq.backends.hls.flavour import Flavour
from hwq.backends.hls.literals import check_literal_type, exact_literal
from hwq.backends.hls.loops import Loops, nest
from hwq.backends.names import Namer
from hwq.fixed import FixedType, Overflow, Rounding
from hwq.ir import IntTensor, Node, Value, legal_identifier

Typedef = Callable[[str, FixedType, str], str]  # (base name, type, note) -> the typedef's name


@dataclass
class Printed:
    template: str  # under templates/, e.g. "hls/ops/relu.cpp.j2"
    comment: str  # one line above the node's code
    fields: dict[str, Any]  # what the template reads as `n.<field>`
    params: list[CArray] = field(default_factory=list)  # constant arrays to declare in <top>_params.h
    functions: list[CFunction] = field(default_factory=list)  # helpers the node's code calls, before the top


Printer = Callable[["PrintContext", Node], Printed]


def op_template(name: str) -> str:
    return f"hls/ops/{name}.cpp.j2"


@dataclass
class PrintContext:
    flavour: Flavour
    namer: Namer
    values: dict[str, Value]  # every graph value by name
    arrays: dict[str, CArray]  # the C array holding each value
    typedef: Typedef  # declares a typedef (in <top>_types.h) and returns its name

    def inputs(self, node: Node) -> list[Value]:
        return [self.values[name] for name in node.inputs]

    def array(self, value: str | Value) -> str:
        """The C name of the array holding `value`."""
        return self.arrays[value if isinstance(value, str) else value.name].name

    def spell(self, t: FixedType) -> str:
        return self.flavour.spell(t)

    def loops(self, dims: Sequence[int], variables: Sequence[str] | None = None, depth: int = 1) -> Loops:
        """The flavour's loop nest over `dims`, in the top function's body (inside `depth` - 1 other loops)."""
        return nest(self.flavour, dims, variables, depth)

    def elementwise(self, node: Node) -> tuple[Loops, list[str], str]:
        """The nest over the node's output shape, every input's element and the output's, at the nest's index."""
        loops = self.loops(node.output.shape)
        return loops, [self.array(name) + loops.index for name in node.inputs], self.array(node.output) + loops.index

    def param(self, node: Node, key: str, tensor: IntTensor | None = None) -> CArray:
        """The node's parameter `key` as a static const array of its own typedef, one literal per mantissa."""
        p = tensor if tensor is not None else node.params[key]
        check_literal_type(p.type)
        name = self.namer(f"{label(node)}_{key}")
        frac = p.type.frac
        m = p.mantissa.reshape(p.shape[0], -1) if len(p.shape) > 1 else p.mantissa.reshape(1, -1)
        rows = ["{" + ", ".join(exact_literal(int(v), frac) for v in row) + "}" for row in m]
        if len(p.shape) == 1:
            rows = [rows[0][1:-1]]  # a flat array: one row, no inner braces
        # a constant's modes mean nothing, and a literal converted into a SAT_SYM type would lose its minimum
        held = p.type.with_modes(Rounding.TRN, Overflow.WRAP)
        return CArray(name, self.typedef(name, held, f"parameter {name}"), tuple(p.shape), rows)

    def int_param(self, node: Node, key: str, values: np.ndarray) -> CArray:
        """An array of signed integers within int64_t (shift amounts, signs, mantissas) shaped as `values`, laid
        out as param() lays out a kernel. Its elements are plain C integers of the narrowest of 8, 16, 32 and 64
        bits: a static array of ap_int or ac_int is built by code when the library loads, and g++ spends minutes
        optimising that code for a kernel of a few thousand."""
        values = np.asarray(values, dtype=np.int64)
        flat = values.reshape(values.shape[0], -1) if values.ndim > 1 else values.reshape(1, -1)
        rows = ["{" + ", ".join(str(int(v)) for v in row) + "}" for row in flat]
        if values.ndim == 1:
            rows = [rows[0][1:-1]]
        need = int(np.abs(values).max()).bit_length() + 1  # with the sign
        bits = next(b for b in (8, 16, 32, 64) if b >= need)
        return CArray(self.namer(f"{label(node)}_{key}"), f"int{bits}_t", values.shape, rows)


def label(node: Node) -> str:
    """The node's name as it appears in comments and parameter names."""
    return legal_identifier(node.name)
