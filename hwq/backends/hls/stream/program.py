"""The graph as a stream design: every name, type, transfer struct, FIFO and stage decided here, from the schedule.

Values with spatial axes are streams of pixels (a struct holding the channels of one position), the others one
vector per image (a struct holding the whole array). Each node is a stage; a value read by several stages is
written to one FIFO per reader by its producer (a graph input by a fork stage). Each FIFO gets the depth the
schedule's clocked model found (hwq.passes.schedule), with a margin for the deeper pipelines of HLS stages.
"""

from __future__ import annotations

from types import SimpleNamespace

from hwq.backends.hls.code import CArray, CType
from hwq.backends.hls.flavour import Flavour, UnsupportedError
from hwq.backends.hls.loops import index_vars, unflatten
from hwq.backends.hls.ops.context import label
from hwq.backends.hls.ops.window import COUNTERS as WINDOW_COUNTERS
from hwq.backends.hls.program import GENERATED_NAMES, PORT_MAX_BITS, held_type, port_type_names
from hwq.backends.hls.stream.code import CChannel, CStage, CStreamPort, CStruct, StreamProgram
from hwq.backends.hls.stream.stages import LOCAL_NAMES, Body, Link, StageWriter, indent
from hwq.backends.names import CPP_NAMES, Namer
from hwq.backends.templates import render
from hwq.fixed import FixedType
from hwq.ir import Graph, IRError, Node, Value
from hwq.passes.schedule import NodePlan, Schedule

DEFAULT_DEPTH = 2  # a FIFO the schedule left a register: two places keep a stage pair at one transfer per clock
# The schedule's stages take one clock; an HLS stage's pipeline takes more (reading, the arithmetic, writing).
# A FIFO the schedule sized holds the pixels a branch lags by; every stage on the longer branch may add its
# pipeline depth to that lag, so each such FIFO gets this many more places per stage of the longer branch.
STAGE_LATENCY_MARGIN = 16
# names of the stream design itself: the Catapult interface function and CCS_BLOCK, the harness' locals
STREAM_NAMES = ("run", "hls", "stream", "CCS_BLOCK", "hwq_dut", "hwq_p", "hwq_c", "hwq_px", "data")


def build_stream_program(graph: Graph, flavour: Flavour, plan: Schedule) -> StreamProgram:
    graph.validate()
    if not graph.nodes:
        raise IRError(f"graph {graph.name!r} has no nodes; nothing to emit")
    values = graph.values()
    in_types, out_types = port_type_names("input", len(graph.inputs)), port_type_names("output", len(graph.outputs))
    namer = Namer(CPP_NAMES)
    rank = max(len(v.shape) for v in values.values())
    port_structs = [t[:-2] + suffix for t in in_types + out_types for suffix in ("_pixel", "_vector")]
    namer.reserve(*GENERATED_NAMES, *STREAM_NAMES, *LOCAL_NAMES, *in_types, *out_types, *port_structs,
                  *index_vars(rank + 1), *WINDOW_COUNTERS, *(f"hwq_in{k}" for k in range(len(in_types))),
                  *(f"hwq_out{k}" for k in range(len(out_types))))
    top = namer(graph.name)
    types: list[CType] = []

    def typedef(base: str, t: FixedType, note: str) -> str:
        name = namer(base, "_t")
        types.append(CType(name, flavour.spell(t), note))
        return name

    producers = {n.output.name: n for n in graph.nodes}
    held = {name: held_type(v, producers.get(name)) for name, v in values.items()}
    cname = {name: namer(name) for name in values}
    port_type = dict(zip([v.name for v in graph.inputs], in_types, strict=True))
    for name, t in zip(graph.outputs, out_types, strict=True):
        port_type.setdefault(name, t)
    element, structs = {}, {}
    struct_list: list[CStruct] = []
    for name, v in values.items():
        form = plan.values[name].form
        if name in port_type:
            element[name] = port_type[name]
            types.append(CType(port_type[name], flavour.spell(held[name]), f"port {cname[name]} ({_shape(v)})"))
            structs[name] = port_type[name][:-2] + ("_pixel" if form == "stream" else "_vector")
        else:
            element[name] = typedef(cname[name], held[name], f"value {cname[name]}")
            structs[name] = namer(cname[name], "_pixel" if form == "stream" else "_vector")
        what = (f"one pixel of {cname[name]} ({_shape(v)}): its {v.shape[-1]} channel(s)" if form == "stream"
                else f"{cname[name]} ({_shape(v)}), whole: one transfer per image")
        struct_list.append(CStruct(structs[name], element[name], (v.shape[-1],) if form == "stream" else v.shape,
                                   what))

    bound, writes, channels = _streams(graph, plan, namer, cname, structs, flavour)
    forks = [v.name for v in graph.inputs if len(writes[v.name]) > 1]  # an input read by several stages

    writer = StageWriter(flavour, namer, typedef)
    stages: list[CStage] = []
    params: list[CArray] = []

    def link(name: str, stream: str) -> Link:
        return Link(values[name], stream, structs[name], element[name])

    def stage(base: str, lbl: str, comment: str, ins: list[Link], outs: list[str], out_struct: str, body: Body,
              head: bool = False, ii: int = 1) -> None:
        text = render(f"hls/stream/{body.template}.cpp.j2", s=SimpleNamespace(**body.fields), fl=_Paced(flavour, ii))
        params.extend(body.params)
        decls = [f"{flavour.stream_type(i.struct)}& {i.stream}" for i in ins]
        decls += [f"{flavour.stream_type(out_struct)}& {s}" for s in outs]
        stages.append(CStage(namer(base), namer(f"{base}_inst"), lbl, comment, decls,
                             [i.stream for i in ins] + outs, indent(text.rstrip("\n"), flavour.stage_depth - 1),
                             flavour.before_pipeline(ii) if head else []))

    for name in forks:
        x = link(name, cname[name])
        n = plan.values[name].transfers
        stage(f"fork_{cname[name]}", f"fork of {cname[name]}",
              f"{cname[name]} copied to its {len(writes[name])} readers, {n} transfer(s) per image", [x],
              writes[name], structs[name], writer.fork(x, n, writes[name]))
    for node in graph.nodes:
        p = plan.node(node.name)
        ins = [link(name, bound[name, node.name]) for name in dict.fromkeys(node.inputs)]
        out = link(node.output.name, cname[node.output.name])
        sinks = writes[node.output.name]
        body = _body(writer, node, p, ins, out, sinks, [plan.values[i.value.name].form for i in ins])
        stage(label(node), label(node), _comment(node, p), ins, sinks, out.struct, body, head=p.kind == "vector",
              ii=p.ii)

    inputs = _ports(graph.inputs, "hwq_in", cname, structs, held, plan, flavour, "input")
    outputs = _ports(graph.output_values, "hwq_out", cname, structs, held, plan, flavour, "output")
    return StreamProgram(top, f"HWQ_{top.upper()}", flavour, types, struct_list, params, channels, stages, inputs,
                         outputs, _plan_lines(graph, plan, channels), writer.functions)


class _Paced:
    """The flavour, with its pipeline pragmas at a stage's initiation interval (the schedule's II: a node's
    parallelism knob; the tool then shares the multipliers over II clocks)."""

    def __init__(self, flavour: Flavour, ii: int):
        self._flavour, self._ii = flavour, ii

    def __getattr__(self, name: str):
        return getattr(self._flavour, name)

    def before_pipeline(self) -> list[str]:
        return self._flavour.before_pipeline(self._ii)

    def in_pipeline(self) -> list[str]:
        return self._flavour.in_pipeline(self._ii)


def _streams(graph: Graph, plan: Schedule, namer: Namer, cname: dict[str, str], structs: dict[str, str],
             flavour: Flavour) -> tuple[dict[tuple[str, str], str], dict[str, list[str]], list[CChannel]]:
    """What each reader binds to ({(value, reader node): stream}), what each producer (or an input's fork)
    writes ({value: streams}), and the FIFOs between stages. A value with one reader and no port has one FIFO,
    named as the value; a value with several (an output port counts) one FIFO per reader, `<value>_to_<reader>`;
    an input with one reader is read from its port directly."""
    readers = graph.consumers()
    producers = {n.output.name for n in graph.nodes}
    bound: dict[tuple[str, str], str] = {}
    writes: dict[str, list[str]] = {}
    channels: list[CChannel] = []
    for name in graph.values():
        edges = len(readers[name]) + (name in graph.outputs)
        sinks = []
        for r in readers[name]:
            if edges == 1 and name not in producers:
                bound[name, r.name] = cname[name]
                continue
            stream = cname[name] if edges == 1 else namer(f"{cname[name]}_to_{label(r)}")
            bound[name, r.name] = stream
            sinks.append(stream)
            depth, note = _depth(graph, name, r, plan.node(r.name))
            channels.append(CChannel(stream, flavour.stream_type(structs[name]), depth, r.name,
                                     f"{name} -> {r.name}: {note}"))
        writes[name] = sinks + ([cname[name]] if name in graph.outputs else [])
    return bound, writes, channels


def _body(writer: StageWriter, node: Node, p: NodePlan, ins: list[Link], out: Link, sinks: list[str],
          forms: list[str]) -> Body:
    if p.kind == "pixel":
        body = writer.pixel(node, ins, out, sinks, p)
    elif p.kind == "window":
        body = writer.window(node, ins[0], out, sinks, p)
    elif p.kind == "resample":
        body = getattr(writer, node.op)(node, ins[0], out, sinks, p)
    elif p.kind == "collect":
        body = writer.collect(node, ins, forms, out, sinks, p)
    else:
        body = writer.vector(node, ins, out, sinks, p)
    if body.fields.get("positions", p.positions) != p.positions:  # the stage walks what the schedule planned
        raise IRError(f"node {node.name!r}: a {p.kind} stage of {body.fields['positions']} positions, the schedule "
                      f"plans {p.positions}; this is a bug in hwq's HLS stream printer")
    return body


def _depth(graph: Graph, value: str, reader: Node, p: NodePlan) -> tuple[int, str]:
    """The FIFO from `value` to `reader`: the schedule's depth (its largest over the inputs reading the value),
    one more for the register the model counts apart, and the margin for the HLS pipelines of the stages on
    the reader's longer branches."""
    scheduled = max(d for name, d in zip(reader.inputs, p.fifo_depths, strict=True) if name == value)
    if scheduled == 0:
        return DEFAULT_DEPTH, "the schedule's register"
    dist = {value: 0}  # stages from the value to every value it reaches
    for n in graph.nodes:
        ds = [dist[i] for i in n.inputs if i in dist]
        if ds:
            dist[n.output.name] = max(ds) + 1
    lag = max((dist[i] for i in reader.inputs if i != value and i in dist), default=0)
    margin = STAGE_LATENCY_MARGIN * lag
    return scheduled + 1 + margin, (f"the schedule's FIFO of {scheduled}, +1, +{margin} for the HLS pipelines of "
                                    f"{lag} stage(s) on the longer branch")


def _comment(node: Node, p: NodePlan) -> str:
    parts = [f"{p.kind} stage of {node.op} {node.name!r}: {p.positions} position(s) per image at II {p.ii}, "
             f"latency {p.latency}"]
    if p.buffer_pixels:
        parts.append(f"buffer {p.buffer_pixels} pixel(s) ({p.buffer_bits} bits)")
    return "; ".join(parts)


def _plan_lines(graph: Graph, plan: Schedule, channels: list[CChannel]) -> list[str]:
    depths: dict[str, list[str]] = {}
    for c in channels:
        depths.setdefault(c.reader, []).append(f"{c.name}={c.depth}")
    rows = [("node", "kind", "positions", "II", "latency", "buffer px (bits)", "schedule FIFOs", "HLS FIFOs")]
    for p in plan.nodes:
        rows.append((p.node, p.kind, str(p.positions), str(p.ii), str(p.latency),
                     f"{p.buffer_pixels} ({p.buffer_bits})" if p.buffer_pixels else "",
                     " ".join(map(str, p.fifo_depths)), " ".join(depths.get(p.node, []))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"Schedule (hwq.passes.schedule): {plan.clocks_per_image} clocks per image with images back to back, "
             f"latency {plan.latency} clocks (one-clock stages; the HLS pipelines add a few per stage)."]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return lines


def _shape(v: Value) -> str:
    return " x ".join(map(str, v.shape))


def _ports(vals: list[Value], prefix: str, cname: dict[str, str], structs: dict[str, str],
           held: dict[str, FixedType], plan: Schedule, flavour: Flavour, side: str) -> list[CStreamPort]:
    ports, offset = [], 0
    for k, v in enumerate(vals):
        t = v.type
        if t.width > PORT_MAX_BITS - (0 if t.signed else 1):
            raise UnsupportedError(f"{side} port {v.name!r} has type {t} ({t.width} bits); the C simulation bridge "
                                   f"carries mantissas as int64 ({PORT_MAX_BITS}-bit signed, {PORT_MAX_BITS - 1}-bit "
                                   "unsigned) for now")
        vp = plan.values[v.name]
        stream = vp.form == "stream"
        elements = v.shape[-1] if stream else v.size
        at = "hwq_px.data" + ("[hwq_c]" if stream else unflatten("hwq_c", v.shape))
        row = f"hwq_m[{offset} + hwq_p * {elements} + hwq_c]" if offset else f"hwq_m[hwq_p * {elements} + hwq_c]"
        ports.append(CStreamPort(v.name, cname[v.name], flavour.stream_type(structs[v.name]), structs[v.name],
                                 vp.form, vp.transfers, elements, _shape(v), flavour.spell(held[v.name]), t.width,
                                 t.signed, offset, f"{prefix}{k}", row, flavour.set_bits(at, t.width, row),
                                 flavour.get_mantissa(at, t.width, t.signed)))
        offset += v.size
    return ports
