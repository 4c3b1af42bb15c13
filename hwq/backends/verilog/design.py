"""The graph as the Verilog printer sees it: every identifier, width and constant, decided here.

Templates only lay these out. One module per node, named `<top>_<node>`, with a bus in (`x`) and a
bus out (`y`), element 0 in the low bits; the top module wires them in graph order and registers
the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hwq.backends.verilog.dense import dense_view
from hwq.backends.verilog.names import Namer
from hwq.backends.verilog.quantize import quantize_view
from hwq.backends.verilog.relu import relu_view
from hwq.backends.verilog.table import table_view
from hwq.fixed import FixedType, ap_spelling
from hwq.ir import Graph, IRError

VIEWS = {"dense": dense_view, "quantize": quantize_view, "relu": relu_view, "table": table_view}
HELPERS = ("hwq_round", "hwq_saturate")  # parametrised modules every design ships


@dataclass
class Bus:
    """A flattened vector of n elements of one fixed-point type."""

    name: str
    n: int
    type: FixedType

    @property
    def bits(self) -> int:
        return self.n * self.type.width

    @property
    def note(self) -> str:
        return f"{self.n} x {ap_spelling(self.type)}, element 0 in the low bits"


@dataclass
class Instance:
    module: str
    name: str
    x: str
    y: str


@dataclass
class Design:
    graph: str
    top: str
    input: Bus
    output: Bus
    result: str  # the bus registered into out_data
    wires: list[Bus] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    nodes: list = field(default_factory=list)  # one view per node, its op in .op

    @property
    def modules(self) -> list[str]:
        """Every module name, helpers and nodes first, top last (the order of rtl/files.f)."""
        return list(HELPERS) + [v.module for v in self.nodes] + [self.top]


def design(graph: Graph) -> Design:
    inp, out = graph.input, graph.output
    modules = Namer()
    modules.taken.update(HELPERS)
    top = modules(graph.name)
    wires = Namer()  # the top module's name space
    value_wire = {inp.name: "in_data"}
    types = {inp.name: inp.type}
    d = Design(graph.name, top, Bus("in_data", inp.size, inp.type), Bus("out_data", out.size, out.type), "")
    for node in graph.nodes:
        if node.op not in VIEWS:
            raise IRError(f"node {node.name!r}: the Verilog backend has no {node.op!r}; it knows {', '.join(VIEWS)}")
        src = node.inputs[0]
        view = VIEWS[node.op](node, f"{top}_{modules(node.name)}", types[src])
        d.nodes.append(view)
        wire = wires(node.output.name)
        d.wires.append(Bus(wire, node.output.size, node.output.type))
        d.instances.append(Instance(view.module, wires("u_" + node.name), value_wire[src], wire))
        value_wire[node.output.name] = wire
        types[node.output.name] = node.output.type
    d.result = value_wire[out.name]
    return d
