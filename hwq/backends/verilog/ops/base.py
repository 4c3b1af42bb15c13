"""What every node view has: a module name, comment lines, one input bus per input, the output bus `y`.

A node module's ports are `x` when the node reads one value, `x0`, `x1`, ... when it reads several
(the same value twice makes two ports, wired to one bus in the top), and `y`. Subclasses add the
widths, slices and literals their template lays out; templates/verilog/ops/<op>.v.j2 prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hwq.backends.verilog.bus import Bus
from hwq.backends.verilog.expr import Bits, aligned, element, unsigned_literal
from hwq.ir import Node, Value


@dataclass
class NodeView:
    op: ClassVar[str]
    module: str
    comment: list[str]
    inputs: list[Bus]
    output: Bus

    @property
    def template(self) -> str:
        return f"verilog/ops/{self.op}.v.j2"

    @property
    def clocked(self) -> bool:
        """Registers inside (a pipelined kernel): the module has a clk port."""
        return False


def input_buses(inputs: list[Value]) -> list[Bus]:
    """The module's input ports: `x` for one input, `x0`, `x1`, ... for several."""
    if len(inputs) == 1:
        return [Bus("x", inputs[0].shape, inputs[0].type)]
    return [Bus(f"x{k}", v.shape, v.type) for k, v in enumerate(inputs)]


def output_bus(node: Node) -> Bus:
    return Bus("y", node.output.shape, node.output.type)


@dataclass
class Assign:
    """`assign target = expr;`"""

    target: str
    expr: str


def wiring(sources: list[tuple[int, int] | None], ins: list[Bus], out: Bus, shifts: list[int],
           fill: int = 0) -> list[Assign]:
    """Element j of the bus `out` = element sources[j][1] of input sources[j][0], times 2**shifts[input], extended
    to out's width: constant slices only. A None source is the constant `fill` (a mantissa of out's type: the
    zeros of padding). Runs of bit-for-bit copies, and runs of fill, become one assign each (a whole bus: `y = x`)."""
    w = out.width
    lines: list[Assign] = []
    j = 0
    while j < len(sources):
        n = 1  # the longest run of consecutive input elements, or of fill, starting at j
        if sources[j] is None:
            while j + n < len(sources) and sources[j + n] is None:
                n += 1
            lines.append(Assign(Bits(out.name, j * w, n * w, whole=n == out.n).low(n * w), fill_literal(fill, w, n)))
            j += n
            continue
        k, i = sources[j]
        src = ins[k]
        if src.width != w or shifts[k]:  # moved onto the output's grid: extended, zero bits appended
            expr = aligned(Bits.of_element(src.name, i, src.width), src.type.signed, shifts[k], w)
            lines.append(Assign(element(out.name, j, w), expr if expr is not None else f"{w}'d0"))
            j += 1
            continue
        while j + n < len(sources) and sources[j + n] == (k, i + n):
            n += 1
        lines.append(Assign(Bits(out.name, j * w, n * w, whole=n == out.n).low(n * w),
                            Bits(src.name, i * w, n * w, whole=n == src.n).low(n * w)))
        j += n
    return lines


def fill_literal(mantissa: int, width: int, n: int) -> str:
    """n elements of `width` bits, each holding `mantissa` (two's complement): `24'd0`, `{3{8'h80}}`."""
    if mantissa == 0:
        return f"{n * width}'d0"
    one = unsigned_literal(mantissa, width)
    return one if n == 1 else f"{{{n}{{{one}}}}}"
