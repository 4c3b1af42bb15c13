"""The graph as the Verilog printer sees it: every identifier, width and constant, decided here.

Templates only lay these out. One module per node, named `<top>_<node>`, with one input bus per input
(`x`, or `x0`, `x1`, ...) and the output bus `y` (see ops/base.py); the top module wires them in graph
order and registers every graph output once.

Top ports: clk, rst, in_valid, one input port per graph input, out_valid, one output port per graph
output. A graph with one input calls its port `in_data`, with one output `out_data`; with several,
the ports are `in_<value>` / `out_<value>`, made legal and unique by the shared Namer.

Pipelined (a plan from hwq.passes.stages with more than one stage), the top also holds the delay registers and
the valid bit of every stage (registers.py), and a kernel split by registers gets the clk port.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hwq.backends.names import VERILOG_NAMES, Namer
from hwq.backends.verilog.bus import Bus
from hwq.backends.verilog.ops import VIEWS, NodeView
from hwq.ir import Graph, IRError
from hwq.passes.stages import PipelinePlan

HELPERS = ("hwq_round", "hwq_saturate", "hwq_add3")  # parametrised modules every design ships
ONE_INPUT, ONE_OUTPUT = "in_data", "out_data"


@dataclass
class TopNames:
    """The names a design's top gives itself and its ports, and the name spaces that handed them out."""

    top: str
    inputs: list[str]  # one port per graph input, in graph.inputs order
    outputs: list[str]  # one port per graph output, in graph.outputs order
    modules: Namer  # module names (global in Verilog)
    wires: Namer  # the top module's signals and instances


def top_names(graph: Graph) -> TopNames:
    """The top's name and its data ports: cheap (no node is printed), so a reopened project can ask for them."""
    modules = Namer(VERILOG_NAMES)
    modules.reserve(*HELPERS)
    top = modules(graph.name)
    wires = Namer(VERILOG_NAMES)
    inputs = [ONE_INPUT] if len(graph.inputs) == 1 else [wires(f"in_{v.name}") for v in graph.inputs]
    outputs = [ONE_OUTPUT] if len(graph.outputs) == 1 else [wires(f"out_{name}") for name in graph.outputs]
    return TopNames(top, inputs, outputs, modules, wires)


@dataclass
class Instance:
    """`module name (.pin(wire), ..., .y(y));`"""

    module: str
    name: str
    pins: list[tuple[str, str]]  # (node module port, top wire), the output y last


@dataclass
class Delay:
    """`reg [bits-1:0] name;` loaded with `source` at every clock edge: a value one stage later."""

    name: str
    bits: int
    source: str


@dataclass
class Design:
    graph: str
    top: str
    inputs: list[Bus]  # the top's input ports, port 0 in the low bits of a test vector
    outputs: list[Bus]  # the top's output ports (registers), likewise
    results: list[str]  # the wire registered into each output port
    wires: list[Bus] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    nodes: list[NodeView] = field(default_factory=list)  # one view per node, in graph order
    latency: int = 1  # register stages, the output register the last
    stage_depths: list[int] = field(default_factory=list)  # adder levels per stage (pipelined)
    valids: list[Delay] = field(default_factory=list)  # the valid bit of stages 1, 2, ... (pipelined)
    delays: list[Delay] = field(default_factory=list)  # values carried into later stages (pipelined)

    @property
    def out_enable(self) -> str:
        """The valid bit of the data the output register takes."""
        return self.valids[-1].name if self.valids else "in_valid"

    @property
    def input(self) -> Bus:
        """The input port, when there is one (in_data)."""
        if len(self.inputs) != 1:
            raise ValueError(f"{self.top} has {len(self.inputs)} input ports; use .inputs")
        return self.inputs[0]

    @property
    def output(self) -> Bus:
        """The output port, when there is one (out_data)."""
        if len(self.outputs) != 1:
            raise ValueError(f"{self.top} has {len(self.outputs)} output ports; use .outputs")
        return self.outputs[0]

    @property
    def registers(self) -> list[tuple[Bus, str]]:
        """(output port, the wire it registers)."""
        return list(zip(self.outputs, self.results, strict=True))

    @property
    def modules(self) -> list[str]:
        """Every module name, helpers and nodes first, top last (the order of rtl/files.f)."""
        return list(HELPERS) + [v.module for v in self.nodes] + [self.top]


def design(graph: Graph, plan: PipelinePlan | None = None) -> Design:
    """The design of graph's parallel top; `plan`: its pipeline stages (hwq.passes.stages; None: one stage)."""
    names = top_names(graph)
    values = {v.name: v for v in graph.inputs}
    wire_of = {v.name: port for v, port in zip(graph.inputs, names.inputs, strict=True)}
    d = Design(graph.name, names.top, [Bus(p, v.shape, v.type, v.name) for p, v in zip(names.inputs, graph.inputs,
                                                                                         strict=True)], [], [])
    for node in graph.nodes:
        view_of = VIEWS.get(node.op)
        if view_of is None:
            raise IRError(f"node {node.name!r}: the Verilog backend has no {node.op!r}; it knows {', '.join(VIEWS)}")
        timing = plan.kernels.get(node.name) if plan is not None else None
        split = {"timing": timing} if timing is not None and timing.split else {}
        view = view_of(node, f"{names.top}_{names.modules(node.name)}", [values[name] for name in node.inputs],
                       **split)
        out = node.output
        wire = names.wires(out.name)
        d.nodes.append(view)
        d.wires.append(Bus(wire, out.shape, out.type, out.name))
        pins = [(port.name, wire_of[name]) for port, name in zip(view.inputs, node.inputs, strict=True)]
        d.instances.append(Instance(view.module, names.wires("u_" + node.name), [*pins, ("y", wire)]))
        values[out.name], wire_of[out.name] = out, wire
    for port, name in zip(names.outputs, graph.outputs, strict=True):
        d.outputs.append(Bus(port, values[name].shape, values[name].type, name))
        d.results.append(wire_of[name])
    if plan is not None and plan.latency > 1:
        from hwq.backends.verilog.registers import add_registers

        add_registers(d, graph, plan, names.wires)
    return d
