"""The registers of a pipelined parallel top (hwq.passes.stages): every node instance reads its inputs as the
stage it computes in sees them, every output is registered from the last stage, and a valid bit travels with
the data through the stages.

A value computed in stage s and read in stage t > s is carried by a chain of t - s registers,
`<wire>_d1` (loaded from the wire), `<wire>_d2` (from `_d1`), ...; the reader of stage t takes `_d<t-s>`. A kernel
split by registers (its shift-add program spans stages) reads its input in the stage the input is computed in
and delays its own steps inside; its instance gets the clk pin. The data registers load at every clock edge,
valid or not (no enable to fan out); `valid_<k>` says whether stage k holds an input, rst clears them, and the
output register loads only when the last stage's valid bit is set, as the one-stage top does with in_valid.
"""

from __future__ import annotations

from hwq.backends.names import Namer
from hwq.backends.verilog.design import Delay, Design
from hwq.ir import Graph
from hwq.passes.stages import PipelinePlan


def add_registers(d: Design, graph: Graph, plan: PipelinePlan, wires: Namer) -> None:
    """Rewire the one-stage design `d` of `graph` into plan.latency stages; `wires` names the new registers."""
    d.latency, d.stage_depths = plan.latency, list(plan.stage_depths)
    previous = "in_valid"
    for k in range(1, plan.latency):
        d.valids.append(Delay(wires(f"valid_{k}"), 1, previous))
        previous = d.valids[-1].name
    wire_of = {v.name: port.name for v, port in zip(graph.inputs, d.inputs, strict=True)}
    wire_of |= {n.output.name: bus.name for n, bus in zip(graph.nodes, d.wires, strict=True)}
    bits = {v.name: bus.bits for v, bus in zip(graph.inputs, d.inputs, strict=True)}
    bits |= {n.output.name: bus.bits for n, bus in zip(graph.nodes, d.wires, strict=True)}
    chains: dict[str, list[str]] = {}  # value -> its wire, then its copy 1, 2, ... stages later
    for name, wire in wire_of.items():
        chains[name] = [wire]
        for delay in range(1, plan.value_reads[name] - plan.value_stage[name] + 1):
            d.delays.append(Delay(wires(f"{wire}_d{delay}"), bits[name], chains[name][-1]))
            chains[name].append(d.delays[-1].name)

    def read(name: str, stage: int) -> str:
        return chains[name][stage - plan.value_stage[name]]

    for node, instance, view in zip(graph.nodes, d.instances, d.nodes, strict=True):
        timing = plan.kernels.get(node.name)
        at = plan.value_stage[node.inputs[0]] if timing is not None else plan.node_stage[node.name]
        pins = [(pin, read(name, at)) for (pin, _), name in zip(instance.pins[:-1], node.inputs, strict=True)]
        instance.pins = [*([("clk", "clk")] if view.clocked else []), *pins, instance.pins[-1]]
    d.results = [read(name, plan.latency - 1) for name in graph.outputs]
