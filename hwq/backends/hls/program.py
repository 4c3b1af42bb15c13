"""The graph as the C++ printer sees it: every identifier, type spelling, port and printed node, decided here.

Each node goes to its op's printer (hwq.backends.hls.ops: the flavour's own first, then the default
table); templates only lay out what the printers return.
"""

from __future__ import annotations

from types import SimpleNamespace

from hwq.backends.hls.code import CArray, CFunction, CNode, CPort, CProgram, CType
from hwq.backends.hls.flavour import Flavour, UnsupportedError
from hwq.backends.hls.loops import index_vars, nest, unflatten
from hwq.backends.hls.ops import PrintContext, printer_for
from hwq.backends.hls.ops.context import label
from hwq.backends.hls.ops.window import COUNTERS as WINDOW_COUNTERS
from hwq.backends.names import CPP_NAMES, Namer
from hwq.fixed import FixedType, Overflow, Rounding
from hwq.ir import Graph, IRError, Node, Value, get_op

PORT_MAX_BITS = 64  # the bridge and test vectors carry mantissas as int64

# file-scope and local names of the bridge, the testbench and ports.h: no IR name may become one of them
GENERATED_NAMES = ("N_IN", "N_OUT", "hwq_m", "hwq_run", "hwq_n_in", "hwq_n_out", "hwq_predict", "hwq_predict_threads",
                   "hwq_load_inputs", "hwq_store_outputs", "hwq_read", "hwq_in", "hwq_out", "hwq_first", "hwq_last",
                   "hwq_s", "hwq_k", "hwq_w", "hwq_t", "hwq_in_path", "hwq_out_path", "hwq_want", "hwq_got", "hwq_n",
                   "hwq_bad")


def build_program(graph: Graph, flavour: Flavour) -> CProgram:
    """Name everything, spell every type and check the flavour computes the graph exactly."""
    graph.validate()
    if not graph.nodes:
        raise IRError(f"graph {graph.name!r} has no nodes; nothing to emit")
    values = graph.values()
    in_types, out_types = port_type_names("input", len(graph.inputs)), port_type_names("output", len(graph.outputs))
    namer = Namer(CPP_NAMES)
    rank = max(len(v.shape) for v in values.values())
    namer.reserve(*GENERATED_NAMES, *in_types, *out_types, *index_vars(rank + 1), *WINDOW_COUNTERS,
                  *_locals("hwq_in", len(in_types)), *_locals("hwq_out", len(out_types)))
    top = namer(graph.name)
    types: list[CType] = []

    def typedef(base: str, t: FixedType, note: str) -> str:
        name = namer(base, "_t")
        types.append(CType(name, flavour.spell(t), note))
        return name

    producers = {n.output.name: n for n in graph.nodes}
    arrays: dict[str, CArray] = {}
    for v in values.values():
        name = namer(v.name)
        arrays[v.name] = CArray(name, typedef(name, held_type(v, producers.get(v.name)), f"value {name}"), v.shape)
    # an output that later nodes read is computed in a local and copied out last: a top function that
    # reads its own output port back makes HLS tools build an in/out port
    readers = graph.consumers()
    read_back = [name for name in graph.outputs if readers[name]]
    port_arrays = {name: arrays[name] for name in read_back}
    for name in read_back:
        kept = namer(f"{name}_kept")
        arrays[name] = CArray(kept, port_arrays[name].type, values[name].shape)

    ctx = PrintContext(flavour, namer, values, arrays, typedef)
    params: list[CArray] = []
    functions: list[CFunction] = []
    nodes: list[CNode] = []
    for node in graph.nodes:
        printed = printer_for(flavour, node.op)(ctx, node)
        params += printed.params
        functions += printed.functions
        # a namespace, not a dict: a field named like a dict method (copy, items) stays a field in Jinja
        nodes.append(CNode(label(node), printed.comment, printed.template, SimpleNamespace(**printed.fields)))
    nodes += [_copy_out(flavour, arrays[name], port_arrays[name]) for name in read_back]
    local = [arrays[name] for name in read_back]
    arrays.update(port_arrays)

    held = {v.name: held_type(v, producers.get(v.name)) for v in values.values()}
    inputs = _ports(graph.inputs, in_types, "hwq_in", arrays, held, flavour, "input")
    outputs = _ports(graph.output_values, out_types, "hwq_out", arrays, held, flavour, "output")
    types += [CType(p.array.type, p.spelling, f"{side} port {p.value} ({p.shape_text})")
              for side, ports in (("input", inputs), ("output", outputs)) for p in ports]
    port_names = {v.name for v in graph.inputs} | set(graph.outputs)
    local += [a for name, a in arrays.items() if name not in port_names]
    pipelined = not any(n.op == "recurrence" for n in graph.nodes)
    return CProgram(top, f"HWQ_{top.upper()}", flavour, types, params, local, nodes, inputs, outputs, functions,
                    pipelined)


def held_type(v: Value, producer: Node | None) -> FixedType:
    """The type a value's array is declared with: its modes only where an op casts into it (and on the input
    ports, where they document how the port was quantized); an assignment into a type with saturation or
    rounding modes would otherwise change an exact result (ap_fixed's SAT_SYM moves the minimum)."""
    if producer is None or get_op(producer.op).casts:
        return v.type
    return v.type.with_modes(Rounding.TRN, Overflow.WRAP)


def _copy_out(flavour: Flavour, kept: CArray, port: CArray) -> CNode:
    loops = nest(flavour, kept.dims)
    fields = SimpleNamespace(loops=loops, y=port.name + loops.index, expr=kept.name + loops.index)
    return CNode(port.name, f"the output {port.name}, read by later nodes, copied from {kept.name} to its port",
                 "hls/ops/assign.cpp.j2", fields)


def port_type_names(side: str, n: int) -> list[str]:
    """`input_t` for a graph's only input; `input0_t`, `input1_t`, ... when it has several (outputs alike)."""
    return [f"{side}_t"] if n == 1 else [f"{side}{k}_t" for k in range(n)]


def _locals(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{k}" for k in range(n)]


def _ports(vals: list[Value], type_names: list[str], prefix: str, arrays: dict[str, CArray],
           held: dict[str, FixedType], flavour: Flavour, side: str) -> list[CPort]:
    ports, offset = [], 0
    for v, type_name, local in zip(vals, type_names, _locals(prefix, len(vals)), strict=True):
        t = v.type
        if t.width > PORT_MAX_BITS - (0 if t.signed else 1):
            raise UnsupportedError(f"{side} port {v.name!r} has type {t} ({t.width} bits); the C simulation bridge "
                                   f"carries mantissas as int64 ({PORT_MAX_BITS}-bit signed, {PORT_MAX_BITS - 1}-bit "
                                   "unsigned) for now")
        element = local + unflatten("i", v.shape)  # element i of the port, in row-major order
        row = f"hwq_m[{offset} + i]" if offset else "hwq_m[i]"
        array = CArray(arrays[v.name].name, type_name, v.shape)
        ports.append(CPort(v.name, array, " x ".join(map(str, v.shape)), flavour.spell(held[v.name]), t.width,
                           t.signed, offset,
                           local, row, flavour.set_bits(element, t.width, row),
                           flavour.get_mantissa(element, t.width, t.signed)))
        offset += v.size
    return ports
