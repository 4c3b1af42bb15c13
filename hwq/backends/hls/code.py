"""The program as the templates see it: typedefs, arrays, ports and printed nodes, every name decided."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace

from hwq.backends.hls.flavour import Flavour
from hwq.backends.hls.loops import subscript

SIGNATURE_LINE = 110  # longer signatures list one argument per line


@dataclass
class CType:
    """One typedef: `typedef <spelling> <name>;`."""

    name: str
    spelling: str
    note: str


@dataclass
class CArray:
    """An array of one typedef; parameters also carry their initializer, one row per line."""

    name: str
    type: str
    dims: tuple[int, ...]
    rows: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return math.prod(self.dims)

    @property
    def decl(self) -> str:
        return f"{self.type} {self.name}{subscript(str(d) for d in self.dims)}"


@dataclass
class CPort:
    """One array of the top function's signature, and how the bridge moves its raw mantissa bits.

    The bridge and testbench carry one int64 row per sample: every input port's elements in row-major
    order, the ports in graph order (outputs likewise); this port holds row[offset : offset + size].
    """

    value: str  # the IR value's name
    array: CArray  # its element type is the port typedef (input_t, output1_t, ...)
    shape_text: str  # `4 x 3`, for comments and the README
    spelling: str  # the vendor type, for comments and the README
    width: int
    signed: bool
    offset: int
    local: str  # the bridge's and testbench's own array for this port
    row: str  # `hwq_m[offset + i]`: where element i (row-major) of the port sits in the sample's int64 row
    set_bits: str  # statement storing the int64 at `row` into element i of `local`
    get_mantissa: str  # int64 expression reading element i of `local`

    @property
    def size(self) -> int:
        return self.array.size

    @property
    def columns(self) -> str:
        """Its columns in the vector rows, e.g. `12-16`."""
        last = self.offset + self.size - 1
        return str(last) if last == self.offset else f"{self.offset}-{last}"

    @property
    def local_decl(self) -> str:
        return f"{self.array.type} {self.local}{subscript(str(d) for d in self.array.dims)}"


@dataclass
class CFunction:
    """A helper function the nodes call, printed before the top: e.g. a kernel node's shift-add program
    (ops/shift_add.py), one statement per line."""

    name: str
    comment: list[str]  # the lines above it
    params: list[str]  # `const x_t x[16]`, in order
    lines: list[str]  # the body's statements, unindented


@dataclass
class CNode:
    """One IR node as printed: its op template, a one-line comment and the fields the template lays out."""

    label: str
    comment: str
    template: str  # a path under templates/, e.g. hls/ops/dense.cpp.j2
    fields: SimpleNamespace  # the printer's fields, read by the template as n.<field>


@dataclass
class CProgram:
    top: str
    guard: str
    flavour: Flavour
    types: list[CType]
    params: list[CArray]
    locals: list[CArray]
    nodes: list[CNode]
    inputs: list[CPort]
    outputs: list[CPort]
    functions: list[CFunction] = field(default_factory=list)  # helpers the nodes call, printed before the top
    pipelined: bool = True  # the top pipelined as a whole (not where it keeps a loop over time of its own)

    @property
    def n_in(self) -> int:
        return sum(p.size for p in self.inputs)

    @property
    def n_out(self) -> int:
        return sum(p.size for p in self.outputs)

    @property
    def arrays(self) -> list[str]:
        """Every array of the top function: its ports, then its locals."""
        return [p.array.name for p in self.inputs + self.outputs] + [a.name for a in self.locals]

    @property
    def signature(self) -> str:
        """`top(const input_t x[4][3], output_t y[2])`."""
        args = [f"const {p.array.decl}" for p in self.inputs] + [p.array.decl for p in self.outputs]
        one_line = f"{self.top}({', '.join(args)})"
        return one_line if len(one_line) <= SIGNATURE_LINE else f"{self.top}(\n    " + ",\n    ".join(args) + ")"

    io = "parallel"

    @property
    def harness_decls(self) -> list[str]:
        """What the bridge and testbench declare to run the top: one array per port."""
        return [p.local_decl for p in self.inputs + self.outputs]

    @property
    def call(self) -> str:
        """The call the bridge and testbench make, on their own port arrays."""
        return f"{self.top}({', '.join(p.local for p in self.inputs + self.outputs)})"
