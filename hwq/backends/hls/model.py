"""The graph as the C++ printer sees it: every identifier, type spelling, size and literal, decided here.

Templates only lay these out; no width, name or rule is computed in a template.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hwq.analysis import dense_accumulator
from hwq.backends.hls.flavour import Flavour, UnsupportedError
from hwq.backends.hls.literals import check_literal_type, exact_literal
from hwq.backends.hls.names import Namer
from hwq.backends.hls.table import CLookup, table_comment, table_lookup
from hwq.fixed import FixedType
from hwq.ir import SHIFT_KINDS, Graph, IntTensor, IRError, Node, Value, legal_identifier

PORT_MAX_BITS = 64  # the bridge and test vectors carry mantissas as int64


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
        n = 1
        for d in self.dims:
            n *= d
        return n

    @property
    def decl(self) -> str:
        return f"{self.type} {self.name}" + "".join(f"[{d}]" for d in self.dims)


@dataclass
class CPort:
    """The top function's input or output array and how its raw mantissa bits are read and written."""

    array: CArray
    width: int
    signed: bool
    set_bits: str  # statement storing int64 `m[i]` into element i (bridge and testbench)
    get_mantissa: str  # int64 expression reading element i


@dataclass
class CNode:
    op: str
    name: str
    comment: str
    src: CArray
    dst: CArray
    kernel: CArray | None = None
    bias: CArray | None = None
    cast: str = ""  # quantize: the expression assigned to dst[i]
    table: CArray | None = None  # table: the ROM
    lookup: CLookup | None = None  # table: how element i indexes it
    template: str = ""  # templates/hls/ops/<template>.cpp.j2; the op's own unless a variant is chosen
    shifts: ShiftTerms | None = None  # dense with power-of-two weights: shifts instead of multiplies


@dataclass
class ShiftTerms:
    """Every weight is 0 or +-2^e: acc += sign * (term_t(x) << e), with no multiplier."""

    sign: CArray  # -1, 0 or +1 per weight
    shift: CArray  # e per weight (negative: a right shift)
    term_type: str  # holds x exactly, and x * 2^e for every e, by the accumulator proof


@dataclass
class CProgram:
    top: str
    guard: str
    flavour: Flavour
    types: list[CType]
    params: list[CArray]
    locals: list[CArray]
    nodes: list[CNode]
    input: CPort
    output: CPort


def build_program(graph: Graph, flavour: Flavour) -> CProgram:
    """Name everything, spell every type and check the flavour computes the graph exactly."""
    graph.validate()
    if not graph.nodes:
        raise IRError(f"graph {graph.name!r} has no nodes; nothing to emit")
    namer = Namer()
    namer.reserve("N_IN", "N_OUT")
    top = namer(graph.name)
    values = graph.values()
    types: list[CType] = []
    arrays: dict[str, CArray] = {}

    def typedef(base: str, t: FixedType, note: str) -> str:
        name = namer(base, "_t")
        types.append(CType(name, flavour.spell(t), note))
        return name

    for v in graph.inputs + [n.output for n in graph.nodes]:
        name = namer(v.name)
        arrays[v.name] = CArray(name, typedef(name, v.type, f"value {name}"), (v.size,))

    params: list[CArray] = []
    nodes: list[CNode] = []
    for node in graph.nodes:
        src, dst = arrays[node.inputs[0]], arrays[node.output.name]
        label = legal_identifier(node.name)  # for comments and parameter names
        cnode = CNode(node.op, label, _comment(node, values, flavour), src, dst)
        if node.op == "dense":
            _check_accumulator(node, values[node.inputs[0]])
            shifts = _shift_terms(node, values[node.inputs[0]].type, label, namer, typedef, flavour)
            keys = ("bias",) if shifts else ("kernel", "bias")
            for key in keys:
                if key in node.params:
                    arr = _param_array(f"{label}_{key}", node.params[key], namer, typedef)
                    params.append(arr)
                    setattr(cnode, key, arr)
            if shifts:
                cnode.template, cnode.shifts = "dense_shift", shifts
                params += [shifts.sign, shifts.shift]
        elif node.op == "quantize":
            cnode.cast = _cast(label, values[node.inputs[0]].type, node.output.type, src, flavour, typedef)
        elif node.op == "table":
            cnode.table = _param_array(f"{label}_table", node.params["table"], namer, typedef)
            params.append(cnode.table)
            cnode.lookup = table_lookup(node, values[node.inputs[0]].type, f"{src.name}[i]", flavour)
        elif node.op != "relu":
            raise UnsupportedError(f"node {node.name!r}: the HLS backend has no printer for op {node.op!r} yet")
        nodes.append(cnode)

    inp, out = graph.input, graph.output
    ports = [_port(arrays[v.name], v, flavour) for v in (inp, out)]
    inner = [a for name, a in arrays.items() if name not in (inp.name, out.name)]
    types += [CType("input_t", ports[0].array.type, "the input port"),
              CType("output_t", ports[1].array.type, "the output port")]
    return CProgram(top, f"HWQ_{top.upper()}", flavour, types, params, inner, nodes, *ports)


def _port(array: CArray, v: Value, flavour: Flavour) -> CPort:
    if v.type.width > PORT_MAX_BITS - (0 if v.type.signed else 1):
        raise UnsupportedError(f"port value {v.name!r} has type {v.type} ({v.type.width} bits); the C simulation "
                               f"bridge carries mantissas as int64 ({PORT_MAX_BITS}-bit signed, "
                               f"{PORT_MAX_BITS - 1}-bit unsigned) for now")
    return CPort(array, v.type.width, v.type.signed,
                 flavour.set_bits(f"{array.name}[i]", v.type.width, "hwq_m[i]"),
                 flavour.get_mantissa(f"{array.name}[i]", v.type.width, v.type.signed))


def _param_array(base: str, p: IntTensor, namer: Namer, typedef) -> CArray:
    check_literal_type(p.type)
    name = namer(base)
    frac = p.type.frac
    m = p.mantissa.reshape(p.shape[0], -1) if len(p.shape) > 1 else p.mantissa.reshape(1, -1)
    rows = ["{" + ", ".join(exact_literal(int(v), frac) for v in row) + "}" for row in m]
    if len(p.shape) == 1:
        rows = [rows[0][1:-1]]  # a flat array: one row, no inner braces
    return CArray(name, typedef(name, p.type, f"parameter {name}"), tuple(p.shape), rows)


def _shift_terms(node: Node, x: FixedType, label: str, namer: Namer, typedef, flavour: Flavour) -> ShiftTerms | None:
    """Sign and exponent arrays for a dense node whose quantizer made every weight 0 or +-2^e."""
    if node.attrs["multiplier"] not in SHIFT_KINDS:  # the IR checked these kinds' weights are all 0 or +-2^e
        return None
    kernel: IntTensor = node.params["kernel"]
    m = kernel.mantissa.reshape(kernel.shape[0], -1)
    acc: FixedType = node.attrs["accumulator"]
    exps = [[abs(int(v)).bit_length() - 1 - kernel.type.frac if v else 0 for v in row] for row in m]
    signs = [[(int(v) > 0) - (int(v) < 0) for v in row] for row in m]
    frac = max(acc.frac, x.frac)
    integer = max(acc.integer, x.integer + (0 if x.signed else 1))
    term = typedef(f"{label}_term", FixedType(integer + frac, integer, True),
                   f"{label}'s inputs, exactly, and every input shifted by a weight's exponent")
    e_bits = max(2, max(max(abs(e) for row in exps for e in row), 1).bit_length() + 1)
    return ShiftTerms(_int_array(namer(f"{label}_sign"), signs, 2, flavour),
                      _int_array(namer(f"{label}_shift"), exps, e_bits, flavour), term)


def _int_array(name: str, rows: list[list[int]], bits: int, flavour: Flavour) -> CArray:
    return CArray(name, flavour.spell_int(bits, True), (len(rows), len(rows[0])),
                  ["{" + ", ".join(str(v) for v in row) + "}" for row in rows])


def _cast(label: str, src_type: FixedType, dst_type: FixedType, src: CArray, flavour: Flavour, typedef) -> str:
    """`x[i]`, or `q_wide_t(x[i])` when the flavour must widen the source exactly before the cast."""
    flavour.check_cast(src_type, dst_type)
    via = flavour.cast_via(src_type, dst_type)
    if via is None:
        return f"{src.name}[i]"
    wide = typedef(f"{label}_wide", via, f"{src.name} sign-extended for the cast in {label}")
    return f"{wide}({src.name}[i])"


def _check_accumulator(node: Node, x: Value) -> None:
    """The dense accumulator must hold every partial sum exactly: refuse one narrower than the proof."""
    acc: FixedType = node.attrs["accumulator"]
    bounds = dense_accumulator(x.type, node.params["kernel"], node.params.get("bias"))
    need = bounds.type
    shift = acc.frac - need.frac
    if shift < 0 or not acc.contains(bounds.lo << shift, bounds.hi << shift):
        raise IRError(f"node {node.name!r}: accumulator {acc} is narrower than the proven bound {need}")


def _comment(node: Node, values: dict[str, Value], flavour: Flavour) -> str:
    src = values[node.inputs[0]]
    out = node.output
    if node.op == "dense" and node.attrs["multiplier"] in SHIFT_KINDS:
        return (f"{node.op} {src.size} -> {out.size} with {node.attrs['multiplier']} weights (each 0 or +-2^e): "
                f"acc += (x[i] << e) or acc -= (x[i] << e) by the weight's sign, in "
                f"{flavour.spell(node.attrs['accumulator'])}: no multiplier")
    if node.op == "dense":
        kernel = node.params["kernel"]
        start = "bias" if "bias" in node.params else "0"
        return (f"{node.op} {src.size} -> {out.size}: acc = {start}; acc += x[i] * w[i][j] "
                f"in {flavour.spell(node.attrs['accumulator'])} (proven never to overflow); "
                f"weights {flavour.spell(kernel.type)}")
    if node.op == "quantize":
        return f"quantize into {flavour.spell(out.type)}: the assignment rounds and overflows as the type says"
    if node.op == "table":
        return table_comment(node, flavour.spell(out.type))
    return f"{node.op}: max(x, 0) into {flavour.spell(out.type)}, exact"
