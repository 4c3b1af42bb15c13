"""Shared by add, subtract and multiply: per element, each input as a word of one width, then one expression.

Every operand is a plain (unsigned) vector of `width` bits holding its two's complement pattern, and the
expression is taken modulo 2^width. That is exact: sums and products modulo 2^W are the true ones
modulo 2^W, and the verifier proved that the true result fits the output's W bits.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwq.backends.verilog.expr import Bits, aligned, element
from hwq.backends.verilog.ops.base import NodeView, input_buses, output_bus
from hwq.fixed import ap_spelling
from hwq.ir import Node, Value


@dataclass
class Operand:
    """Per element: `wire [w_in-1:0] element = port[i*w_in +: w_in]; wire [width-1:0] name = expr;`."""

    port: str
    w_in: int
    element: str
    name: str
    expr: str


@dataclass
class ElementwiseView(NodeView):
    n: int
    width: int  # of every operand and of the expression
    operands: list[Operand]
    result: str  # of the operands, `width` bits
    shift: int  # zero bits appended to the result to make y's element (0: the result is y's element)
    target: str  # y's element i


def operands(node: Node, inputs: list[Value], width: int, shifts: list[int]) -> list[Operand | None]:
    """Input k's element as a `width`-bit word times 2**shifts[k], or None where that is 0 modulo 2^width."""
    out = []
    for k, bus in enumerate(input_buses(inputs)):
        elem = f"{bus.name}i"
        expr = aligned(Bits.wire(elem, bus.width), bus.type.signed, shifts[k], width) if width > 0 else None
        out.append(None if expr is None else Operand(bus.name, bus.width, elem, f"a{k}", expr))
    return out


def signed_sum(terms: list[tuple[str, Operand | None]], width: int) -> str:
    """`a0 + a1 - a2` over the operands that are not 0 modulo 2^width; `W'd0` when none is left."""
    kept = [(sign, a.name) for sign, a in terms if a is not None]
    if not kept:
        return f"{width}'d0"
    first_sign, first = kept[0]
    text = first if first_sign == "+" else f"{width}'d0 - {first}"
    return " ".join([text] + [f"{sign} {name}" for sign, name in kept[1:]])


def make_view(cls: type[ElementwiseView], node: Node, module: str, inputs: list[Value], width: int,
              ops: list[Operand | None], result: str, shift: int, how: str) -> ElementwiseView:
    out = node.output.type
    names = ", ".join(ap_spelling(v.type) for v in inputs)
    comment = [f"{node.name}: {node.op}, elementwise, ({names}) -> {ap_spelling(out)}", how,
               f"Modulo 2^{out.width} the result is exact: the output type was proven to hold every result."]
    return cls(module, comment, input_buses(inputs), output_bus(node), node.output.size, width,
               [a for a in ops if a is not None], result, shift, element("y", "i", out.width))
