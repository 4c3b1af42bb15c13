"""The AXI4-Stream ports of a streaming top.

clk, rst (synchronous, active high), then per graph input `s_axis_*` (`s0_axis_*`, `s1_axis_*`, ... when there are
several) and per output `m_axis_*` (`m0_axis_*`, ...), each tdata/tvalid/tready/tlast. A transfer is one pixel of a
stream (all its channels) or a whole vector, element 0 in the low bits; tdata is its bits rounded up to whole
bytes (the padding bits ignored on inputs, zero on outputs). tlast marks an image's last transfer on the outputs;
on the inputs it is accepted and not needed (the stages count pixels).
"""

from __future__ import annotations

from dataclasses import dataclass

from hwq.fixed import ap_spelling
from hwq.ir import Graph, Value
from hwq.passes.schedule import Schedule

SIGNALS = ("tdata", "tvalid", "tready", "tlast")


@dataclass
class AxisPort:
    """One AXI4-Stream port: `prefix`_tdata/tvalid/tready/tlast, carrying a graph value."""

    prefix: str  # s_axis, s0_axis, m_axis, ...
    value: str
    form: str  # "stream": one pixel per transfer; "vector": the whole value in one transfer
    bits: int  # data bits per transfer
    element_bits: int
    transfers: int  # per image
    note: str
    offset: int = 0  # where the value starts in a line of test vectors (ports side by side, port 0 low)

    @property
    def tdata_bits(self) -> int:
        return -(-self.bits // 8) * 8

    def signal(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    @property
    def signals(self) -> list[str]:
        return [self.signal(s) for s in SIGNALS]


def port_prefixes(graph: Graph) -> tuple[list[str], list[str]]:
    """The AXI4-Stream port prefixes: s_axis / m_axis, or s0_axis, s1_axis, ... when there are several."""
    ins = ["s_axis"] if len(graph.inputs) == 1 else [f"s{k}_axis" for k in range(len(graph.inputs))]
    outs = ["m_axis"] if len(graph.outputs) == 1 else [f"m{k}_axis" for k in range(len(graph.outputs))]
    return ins, outs


def axis_port(prefix: str, v: Value, plan: Schedule) -> AxisPort:
    vp = plan.values[v.name]
    what = (f"one pixel of {vp.elements} x {ap_spelling(v.type)} per transfer, {vp.transfers} per image "
            f"(grid {' x '.join(map(str, vp.grid))}, row-major)" if vp.form == "stream" else
            f"the whole value, {vp.elements} x {ap_spelling(v.type)}, in one transfer per image")
    return AxisPort(prefix, v.name, vp.form, vp.bits, v.type.width, vp.transfers, f"{v.name} {tuple(v.shape)}: {what}")


def axis_ports(graph: Graph, plan: Schedule) -> tuple[list[AxisPort], list[AxisPort]]:
    """The top's input and output ports, offsets set (port 0 in the low bits of a line of test vectors)."""
    in_prefixes, out_prefixes = port_prefixes(graph)
    values = graph.values()
    ins = [axis_port(p, v, plan) for p, v in zip(in_prefixes, graph.inputs, strict=True)]
    outs = [axis_port(p, values[name], plan) for p, name in zip(out_prefixes, graph.outputs, strict=True)]
    for ports in (ins, outs):
        for k in range(1, len(ports)):
            ports[k].offset = ports[k - 1].offset + ports[k - 1].bits * ports[k - 1].transfers
    return ins, outs
