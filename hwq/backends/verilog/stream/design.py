"""The streaming design (io="stream"): every identifier, parameter and connection of the top, decided here.

The schedule (hwq.passes.schedule) says what each node is: a stage stepping through positions. The top is
wired from hand-written primitives (templates/verilog/rtl/) and the nodes' arithmetic (the parallel views,
printed on one position, see local.py); templates only lay it out. Each stage is

    input edges -> front (a join, a window, a resampler, collectors) -> the node's arithmetic -> fork -> edges

and every edge from a value to one reader is a hwq_fifo holding the schedule's FIFO depth + 1 transfers (depth
0: the producer's output register alone). That is the schedule's clocked model, part for part: a stage takes
a position's inputs and registers its result in the same clock, a register takes a new value in the clock it
is emptied, a fork offers a value to every reader at once. So the FIFO depths it computed are enough, and
the RTL takes the clocks per image it predicts.

A dense, conv or affine node given less than its full parallelism (schedule(..., parallelism=...)) has an
initiation interval of ii > 1 clocks: its arithmetic is a clocked module over ii steps (ops/sliced.py) that takes
its input in step 0 and offers its result in step ii - 1, as the model does. The model's stage rests for those
clocks at every position, a window's padding positions too, so such a window takes its zeros from a hwq_pad in
front and its pixels through a gate that the arithmetic closes while busy.

Ports: clk, rst (synchronous, active high), then an AXI4-Stream port per graph input and output (ports.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hwq.backends.names import VERILOG_NAMES, Namer
from hwq.backends.verilog.design import HELPERS
from hwq.backends.verilog.ops import VIEWS, NodeView
from hwq.backends.verilog.ops.base import fill_literal
from hwq.backends.verilog.ops.sliced import sliced_view
from hwq.backends.verilog.stream.local import buffer_note, grid2, local_node, pair, window_of
from hwq.backends.verilog.stream.ports import SIGNALS, AxisPort, axis_port, axis_ports, port_prefixes
from hwq.ir import Graph, IRError, Node
from hwq.passes.schedule import NodePlan, Schedule

PRIMITIVES = ("hwq_fifo", "hwq_fork", "hwq_join", "hwq_window", "hwq_pad", "hwq_crop", "hwq_upsample", "hwq_collect",
              "hwq_last")


@dataclass
class Wire:
    name: str
    bits: int
    note: str = ""


@dataclass
class Instance:
    """`module #(.P(v), ...) name (.pin(expr), ...);`"""

    module: str
    name: str
    params: list[tuple[str, str]]
    pins: list[tuple[str, str]]

    @property
    def param_lines(self) -> list[str]:
        return _lines([f".{k}({v})" for k, v in self.params])

    @property
    def pin_lines(self) -> list[str]:
        return _lines([f".{k}({v})" for k, v in self.pins])


@dataclass
class Section:
    """One part of the top (a port, a node), with the comment that says what it is."""

    comment: list[str]
    wires: list[Wire] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    assigns: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Link:
    """A valid/ready handshake carrying `bits` of data (`data` is an expression: a wire or a slice)."""

    valid: str
    ready: str
    data: str
    bits: int


@dataclass
class StreamDesign:
    graph: str
    top: str
    inputs: list[AxisPort]
    outputs: list[AxisPort]
    header: list[str]  # the summary at the top of the top module
    sections: list[Section] = field(default_factory=list)
    nodes: list[NodeView] = field(default_factory=list)  # the arithmetic, one module per node that has some
    schedule: Schedule | None = None
    node_modules: dict[str, str] = field(default_factory=dict)  # node name -> its arithmetic's module

    @property
    def modules(self) -> list[str]:
        """Every module, helpers and primitives first, top last (the order of rtl/files.f)."""
        return [*HELPERS, *PRIMITIVES, *(v.module for v in self.nodes), self.top]

    @property
    def ports(self) -> list[str]:
        return ["clk", "rst", *(s for p in self.inputs + self.outputs for s in p.signals)]


def stream_design(graph: Graph, plan: Schedule) -> StreamDesign:
    if plan.io != "stream":
        raise ValueError(f"graph {graph.name!r}: a streaming design needs a stream schedule, got io={plan.io!r}")
    return _Builder(graph, plan).build()


class _Builder:
    def __init__(self, graph: Graph, plan: Schedule):
        self.graph, self.plan = graph, plan
        self.modules = Namer(VERILOG_NAMES)
        self.modules.reserve(*HELPERS, *PRIMITIVES)
        self.top = self.modules(graph.name)
        self.wires = Namer(VERILOG_NAMES)
        in_prefixes, out_prefixes = port_prefixes(graph)
        for prefix in in_prefixes + out_prefixes:
            self.wires.reserve(*(f"{prefix}_{s}" for s in SIGNALS))
        self.in_prefixes, self.out_prefixes = in_prefixes, out_prefixes
        self.values = graph.values()
        self.readers = {name: [(n, k) for n in graph.nodes for k, i in enumerate(n.inputs) if i == name]
                        for name in self.values}
        self.edges: dict[tuple[str, int], Link] = {}  # (reader node, input k) -> the FIFO's output

    def build(self) -> StreamDesign:
        ins, outs = axis_ports(self.graph, self.plan)
        d = StreamDesign(self.graph.name, self.top, ins, outs, self._header(), schedule=self.plan)
        # the FIFOs' output wires first: stages read them before their producers are laid out
        for node in self.graph.nodes:
            for k, name in enumerate(node.inputs):
                base = f"{name}_to_{node.name}" + (f"_{k}" if node.inputs.count(name) > 1 else "")
                self.edges[(node.name, k)] = self._link(base, self.plan.values[name].bits, "_data")
        for port in ins:
            d.sections.append(self._input(port))
        for node in self.graph.nodes:
            section, out, view = self._stage(node)
            section.instances += self._fan_out(section, node.output.name, out)
            d.sections.append(section)
            if view is not None:
                d.nodes.append(view)
                d.node_modules[node.name] = view.module
        return d

    def _link(self, base: str, bits: int, data_suffix: str = "") -> Link:
        """Fresh wire names for a handshake: <base>_valid, <base>_ready and the data <base><data_suffix>."""
        return Link(self.wires(f"{base}_valid"), self.wires(f"{base}_ready"), self.wires(base + data_suffix), bits)

    # --- ports --------------------------------------------------------------------------------------------

    def _port(self, prefix: str, name: str) -> AxisPort:
        return axis_port(prefix, self.values[name], self.plan)

    def _input(self, port: AxisPort) -> Section:
        s = Section([f"input {port.prefix}: {port.note}",
                     "tlast is accepted and not needed: the stages count pixels"])
        data = port.signal("tdata") if port.tdata_bits == port.bits else f"{port.signal('tdata')}[{port.bits - 1}:0]"
        s.instances += self._fan_out(s, port.value, Link(port.signal("tvalid"), port.signal("tready"), data,
                                                         port.bits))
        return s

    # --- fan-out: a value to its readers and output ports ---------------------------------------------------

    def _fan_out(self, s: Section, name: str, src: Link) -> list[Instance]:
        """A fork (when there are several readers) and one hwq_fifo per reader edge; an output port's edge is a
        register followed by the port (tlast from hwq_last)."""
        targets: list[tuple[Link, int, str]] = []  # (the edge's FIFO output, depth, what it feeds)
        for node, k in self.readers[name]:
            suffix = f"_{k}" if node.inputs.count(name) > 1 else ""
            targets.append((self.edges[(node.name, k)], self.plan.node(node.name).fifo_depths[k],
                            f"{name}_to_{node.name}{suffix}"))
        ports = [(p, self._port(p, n)) for p, n in zip(self.out_prefixes, self.graph.outputs, strict=True) if n == name]
        for _, port in ports:
            pad = port.tdata_bits - port.bits
            data = port.signal("tdata") if not pad else self.wires(f"{port.prefix}_data")
            if pad:
                s.wires.append(Wire(data, port.bits, f"{port.prefix}'s data before its {pad} padding bits"))
                s.assigns.append((port.signal("tdata"), f"{{{pad}'d0, {data}}}"))
            targets.append((Link(port.signal("tvalid"), port.signal("tready"), data, port.bits), 0, port.prefix))
        out: list[Instance] = []
        if not targets:
            s.assigns.append((src.ready, "1'b1"))  # nobody reads it: taken and dropped
            return out
        if len(targets) == 1:
            fifo_in = [(src.valid, src.ready)]
        else:
            fifo_in = [(self.wires(f"{name}_fork_valid_{k}"), self.wires(f"{name}_fork_ready_{k}"))
                       for k in range(len(targets))]
            for v, r in fifo_in:
                s.wires += [Wire(v, 1), Wire(r, 1)]
            out.append(Instance("hwq_fork", self.wires(f"u_{name}_fork"), [("N", str(len(targets)))],
                                [("in_valid", src.valid), ("in_ready", src.ready),
                                 ("out_valid", _concat([v for v, _ in fifo_in])),
                                 ("out_ready", _concat([r for _, r in fifo_in]))]))
        for (edge, depth, label), (v, r) in zip(targets, fifo_in, strict=True):
            out.append(Instance("hwq_fifo", self.wires(f"u_{label}_fifo"),
                                [("W", str(src.bits)), ("DEPTH", str(depth))],
                                [("clk", "clk"), ("rst", "rst"), ("in_valid", v), ("in_ready", r),
                                 ("in_data", src.data), ("out_valid", edge.valid), ("out_ready", edge.ready),
                                 ("out_data", edge.data)]))
        for prefix, port in ports:
            out.append(Instance("hwq_last", self.wires(f"u_{prefix}_last"), [("N", str(port.transfers))],
                                [("clk", "clk"), ("rst", "rst"), ("valid", port.signal("tvalid")),
                                 ("ready", port.signal("tready")), ("last", port.signal("tlast"))]))
        return out

    # --- stages ---------------------------------------------------------------------------------------------

    def _stage(self, node: Node) -> tuple[Section, Link, NodeView | None]:
        np_ = self.plan.node(node.name)
        ins = [self.edges[(node.name, k)] for k in range(len(node.inputs))]
        s = Section(self._stage_comment(node, np_))
        for k, (name, e) in enumerate(zip(node.inputs, ins, strict=True)):
            s.wires += [Wire(e.valid, 1), Wire(e.ready, 1),
                        Wire(e.data, e.bits, f"input {k}: {name}, FIFO depth {np_.fifo_depths[k]}")]
        out_name = node.output.name
        y = self._link(out_name, self.plan.values[out_name].bits)
        s.wires += [Wire(y.valid, 1), Wire(y.ready, 1), Wire(y.data, y.bits, f"{out_name}: the stage's result")]
        if np_.kind == "resample":
            s.instances.append(self._resampler(node, ins[0], y))
            return s, y, None
        busy = self.wires(f"{node.name}_busy") if np_.ii > 1 else None
        if np_.kind == "window":
            front = self._window(s, node, ins[0], busy)
        elif np_.kind == "collect":
            front = self._join(s, node, [self._collector(s, node, k, e) for k, e in enumerate(ins)], y.ready)
        else:
            front = self._join(s, node, ins, y.ready)
        local, local_ins = local_node(node, np_.kind, [self.values[n] for n in node.inputs])
        module = f"{self.top}_{self.modules(node.name)}"
        if busy is not None:
            return s, y, self._sliced(s, node, np_, local, local_ins, module, front, y, busy)
        view_of = VIEWS.get(node.op)
        if view_of is None:
            raise IRError(f"node {node.name!r}: the Verilog backend has no {node.op!r}; it knows {', '.join(VIEWS)}")
        view = view_of(local, module, local_ins)
        pins = [(bus.name, data) for bus, data in zip(view.inputs, front.data, strict=True)]
        s.instances.append(Instance(view.module, self.wires(f"u_{node.name}"), [], [*pins, ("y", y.data)]))
        s.assigns.append((y.valid, front.valid))
        if front.ready != y.ready:
            s.assigns.append((front.ready, y.ready))
        return s, y, view

    def _sliced(self, s: Section, node: Node, np_: NodePlan, local: Node, local_ins: list, module: str,
                front: _Front, y: Link, busy: str) -> NodeView:
        """A kernel stage with an initiation interval of ii > 1 clocks: its arithmetic over ii steps (ops/sliced.py),
        a clocked module with its own handshakes; `busy` holds the stage's front while it computes."""
        view = sliced_view(local, module, local_ins, np_.ii)
        s.wires.append(Wire(busy, 1, f"{node.name} computes (steps 1 .. {np_.ii - 1}): the stage takes nothing"))
        (data,) = front.data
        s.instances.append(Instance(view.module, self.wires(f"u_{node.name}"), [],
                                    [("clk", "clk"), ("rst", "rst"), ("in_valid", front.valid),
                                     ("in_ready", front.ready), ("x", data), ("out_valid", y.valid),
                                     ("out_ready", y.ready), ("y", y.data), ("busy", busy)]))
        return view

    def _join(self, s: Section, node: Node, ins: list[Link], ready: str) -> _Front:
        """All inputs taken together (a wire when there is one)."""
        if len(ins) == 1:
            return _Front(ins[0].valid, ins[0].ready, [ins[0].data])
        valid = self.wires(f"{node.name}_all_valid")
        s.wires.append(Wire(valid, 1, "every input has its transfer"))
        s.instances.append(Instance("hwq_join", self.wires(f"u_{node.name}_join"), [("N", str(len(ins)))],
                                    [("in_valid", _concat([e.valid for e in ins])),
                                     ("in_ready", _concat([e.ready for e in ins])),
                                     ("out_valid", valid), ("out_ready", ready)]))
        return _Front(valid, ready, [e.data for e in ins])

    def _window(self, s: Section, node: Node, x: Link, busy: str | None = None) -> _Front:
        window = window_of(node)
        vp = self.plan.values[node.inputs[0]]
        grid = grid2(vp.grid, node)
        size, strides, dilation = pair(window.size), pair(window.strides), pair(window.dilation)
        padding = [(0, 0)] * (2 - window.rank) + list(window.padding)
        if busy is not None:
            x, grid, padding = self._paced(s, node, x, grid, padding, busy)
        fill = 0
        if node.op == "pool" and node.attrs["mode"] == "max":
            fill = self.values[node.inputs[0]].type.min_mantissa  # never above a real tap (see ops/pool.py)
        pad = fill_literal(fill, self.values[node.inputs[0]].type.width, vp.elements)
        win = self._link(f"{node.name}_window", window.taps * vp.bits)
        s.wires += [Wire(win.valid, 1), Wire(win.ready, 1),
                    Wire(win.data, win.bits, f"{' x '.join(map(str, window.size))} taps of {vp.elements} channels, "
                                             "row-major")]
        params = [("PB", str(vp.bits)), ("H", str(grid[0])), ("W", str(grid[1])),
                  ("PAD_T", str(padding[0][0])), ("PAD_B", str(padding[0][1])),
                  ("PAD_L", str(padding[1][0])), ("PAD_R", str(padding[1][1])),
                  ("KH", str(size[0])), ("KW", str(size[1])), ("SH", str(strides[0])), ("SW", str(strides[1])),
                  ("DH", str(dilation[0])), ("DW", str(dilation[1])), ("PAD", pad)]
        s.instances.append(Instance("hwq_window", self.wires(f"u_{node.name}_window"), params,
                                    [("clk", "clk"), ("rst", "rst"), ("in_valid", x.valid), ("in_ready", x.ready),
                                     ("in_data", x.data), ("out_valid", win.valid), ("out_ready", win.ready),
                                     ("out_data", win.data)]))
        return _Front(win.valid, win.ready, [win.data])

    def _paced(self, s: Section, node: Node, x: Link, grid: tuple[int, int], padding: list, busy: str
               ) -> tuple[Link, tuple[int, int], list]:
        """The input of a window whose stage rests while its arithmetic is busy: the schedule's model rests at
        every position, padding ones too, but a window steps through padding without a handshake. So the zeros
        come from a hwq_pad in front (the same timing: a pad is a one-tap window) and the window, over the padded
        grid without padding of its own, takes every position's pixel through a gate closed while busy."""
        vp = self.plan.values[node.inputs[0]]
        if any(lo or hi for lo, hi in padding):
            padded = self._link(f"{node.name}_padded", vp.bits)
            s.wires += [Wire(padded.valid, 1), Wire(padded.ready, 1),
                        Wire(padded.data, padded.bits, f"{node.inputs[0]} with the conv's zero padding")]
            s.instances.append(Instance("hwq_pad", self.wires(f"u_{node.name}_pad"),
                                        [("PB", str(vp.bits)), ("H", str(grid[0])), ("W", str(grid[1])),
                                         ("PAD_T", str(padding[0][0])), ("PAD_B", str(padding[0][1])),
                                         ("PAD_L", str(padding[1][0])), ("PAD_R", str(padding[1][1]))],
                                        [("clk", "clk"), ("rst", "rst"), ("in_valid", x.valid),
                                         ("in_ready", x.ready), ("in_data", x.data), ("out_valid", padded.valid),
                                         ("out_ready", padded.ready), ("out_data", padded.data)]))
            grid = (grid[0] + padding[0][0] + padding[0][1], grid[1] + padding[1][0] + padding[1][1])
            padding, x = [(0, 0), (0, 0)], padded
        gated = Link(self.wires(f"{node.name}_gated_valid"), self.wires(f"{node.name}_gated_ready"), x.data, x.bits)
        s.wires += [Wire(gated.valid, 1, f"closed while {node.name} computes"), Wire(gated.ready, 1)]
        s.assigns += [(gated.valid, f"{x.valid} & ~{busy}"), (x.ready, f"{gated.ready} & ~{busy}")]
        return gated, grid, padding

    def _resampler(self, node: Node, x: Link, y: Link) -> Instance:
        vp = self.plan.values[node.inputs[0]]
        h, w = grid2(vp.grid, node)
        if node.op == "upsample":
            size = pair(node.attrs["size"][:-1])
            params = [("PB", str(vp.bits)), ("W", str(w)), ("UH", str(size[0])), ("UW", str(size[1]))]
        else:
            key, names = {"pad": ("padding", "PAD"), "crop": ("cropping", "CROP")}[node.op]
            pairs = [(0, 0)] * (3 - len(node.attrs[key])) + [tuple(p) for p in node.attrs[key][:-1]]
            params = [("PB", str(vp.bits)), ("H", str(h)), ("W", str(w)),
                      (f"{names}_T", str(pairs[0][0])), (f"{names}_B", str(pairs[0][1])),
                      (f"{names}_L", str(pairs[1][0])), (f"{names}_R", str(pairs[1][1]))]
        return Instance(f"hwq_{node.op}", self.wires(f"u_{node.name}"), params,
                        [("clk", "clk"), ("rst", "rst"), ("in_valid", x.valid), ("in_ready", x.ready),
                         ("in_data", x.data), ("out_valid", y.valid), ("out_ready", y.ready), ("out_data", y.data)])

    def _collector(self, s: Section, node: Node, k: int, x: Link) -> Link:
        """A stream input gathered into the whole value (a vector input passes as it is)."""
        vp = self.plan.values[node.inputs[k]]
        if vp.form == "vector":
            return x
        base = f"{node.inputs[k]}_all" + (f"_{k}" if len(node.inputs) > 1 else "")
        link = self._link(base, vp.bits * vp.transfers)
        s.wires += [Wire(link.valid, 1), Wire(link.ready, 1),
                    Wire(link.data, link.bits, f"{node.inputs[k]}: all {vp.transfers} pixels, pixel 0 in the low bits")]
        s.instances.append(Instance("hwq_collect", self.wires(f"u_{link.data}"),
                                    [("PB", str(vp.bits)), ("N", str(vp.transfers))],
                                    [("clk", "clk"), ("rst", "rst"), ("in_valid", x.valid), ("in_ready", x.ready),
                                     ("in_data", x.data), ("out_valid", link.valid), ("out_ready", link.ready),
                                     ("out_data", link.data)]))
        return link

    # --- comments -------------------------------------------------------------------------------------------

    def _stage_comment(self, node: Node, np_: NodePlan) -> list[str]:
        out = self.plan.values[node.output.name]
        plural = "s" if np_.positions > 1 else ""
        lines = [f"{node.name}: {node.op}, {np_.kind} stage, {np_.positions} position{plural} per image -> "
                 f"{node.output.name} {tuple(node.output.shape)} as a {out.form}"]
        lines.append(f"input FIFO depths {np_.fifo_depths}; " + buffer_note(node, np_, self.plan.values))
        if np_.ii > 1:
            lines.append(f"{np_.parallelism} multiply-accumulates per clock: {np_.ii} clocks per position "
                         "(its initiation interval), resting in between")
        return lines

    def _header(self) -> list[str]:
        p = self.plan
        lines = [f"Schedule: {p.clocks_per_image} clocks per image (images back to back), latency {p.latency} clocks",
                 "(from an image's first input transfer to its last output transfer).",
                 "Per node: kind, positions per image, input FIFO depths (0: the producer's register), buffers."]
        width = max(len(n.node) for n in p.nodes) if p.nodes else 0
        for np_ in p.nodes:
            node = self.graph.node(np_.node)
            ii = f"  ii {np_.ii}" if np_.ii > 1 else ""
            lines.append(f"  {np_.node:<{width}}  {np_.op:<11} {np_.kind:<8} {np_.positions:>6} pos  "
                         f"FIFO {np_.fifo_depths}  {buffer_note(node, np_, p.values)}{ii}")
        return lines


@dataclass
class _Front:
    """What a stage's arithmetic reads: one valid/ready pair and one data expression per view input."""

    valid: str
    ready: str
    data: list[str]


def _lines(items: list[str], width: int = 100) -> list[str]:
    """Items separated by commas, as few lines as fit `width` characters each (one item may overrun it)."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + len(item) + 2 <= width:
            lines[-1] += f", {item}"
        else:
            lines.append(item)
    return [line + ("," if k < len(lines) - 1 else "") for k, line in enumerate(lines)]


def _concat(signals: list[str]) -> str:
    """Signals as one vector, element 0 in the low bit: `{b, a}`."""
    return signals[0] if len(signals) == 1 else "{" + ", ".join(reversed(signals)) + "}"
