"""Estimated resources per node, from the IR alone: LUTs, flip-flops, DSP blocks, latency, logic depth.

The figures model what the Verilog backend emits for a Xilinx 7-series part (6-input LUTs, CARRY4
chains): a fully parallel, combinational datapath whose result is registered once, in the top.

- dense: every weight is a constant, so each product is a constant-coefficient multiplier (the
  shifted copies of x that the weight's set bits select; a power of two is wiring), and each output
  sums its products and bias in an adder tree of the accumulator width (see adders.py). The
  multiplier kind only changes how many copies a weight needs: 'xor'/'mux'/'barrel'/'and' weights are
  one signed power of two (one copy, no adder), 'mult' weights need one copy per set bit.
  With DSP inference, every product by a constant that is not a power of two would take a DSP48.
- quantize: per element, a rounding incrementer over the kept bits, then a saturation compare and
  an output multiplexer; relu: one LUT per output bit; table: LUTS_PER_THRESHOLD per run boundary when printed
  as thresholds, else a ROM, one LUT per output bit per 64
  entries; add/subtract: an adder tree per element; multiply: an array multiplier per element (one
  LUT per partial-product bit) or DSP48 blocks; reshape, transpose, scale and concatenate: wiring.
- COSTS maps every op to its model; a new op adds one entry.
- latency: nodes are combinational (0 clocks); the top's output register adds 1 clock. A pipelined top
  (`pipeline`, hwq.passes.stages) has one clock per stage, and its registers (the delays, the copies of adder
  steps, the valid bits: as printed) are counted with the output register.

The direct form's coefficients are first-principles (one LUT per adder, rounding or clamping bit): against Yosys'
synth_xilinx -nodsp on the jet tagger its dense layers came out -7% to +32%. A shift-add kernel (the Verilog
default) is priced from the words the backend prints (hwq.scalar.excess): one LUT per bit where an adder's two
non-negative words overlap (LUTS_PER_OVERLAP_BIT); a saturating quantize from measurements on the jet tagger and
the MNIST dense model.
benchmarks/resources.py prints the estimate beside native Yosys for each form.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial

import numpy as np

from hwq.fixed import FixedType, Overflow
from hwq.fixed.integers import is_power_of_two, wrap_signed
from hwq.hardware_cost.adders import Addend, constant_product, tree_cost
from hwq.ir import Graph, Node, get_op
from hwq.ir.ops.table import prints_as_thresholds, run_starts

LUTS_PER_ADDER_BIT = 1.0  # a carry-chain adder: one LUT per bit
LUTS_PER_ROUND_BIT = 1.0  # rounding: an incrementer over the kept bits
LUTS_PER_SATURATE_BIT = 1.0  # clamping: one LUT per output bit (plus the compare below)
# a shift-add program in its excess form: one LUT per bit where an adder's two words overlap (hwq.scalar.excess:
# above the narrower word the carry chain needs none, a constant or a complement none)
LUTS_PER_OVERLAP_BIT = 1.0
LUTS_PER_THRESHOLD = 3.5  # a table printed as thresholds: Yosys took 2.4-4.2 per comparison on tanh tables


@dataclass
class NodeEstimate:
    """Estimated cost of one node. `levels` is the depth of its adder tree (2-input adders in series)."""

    node: str
    op: str
    luts: int
    ffs: int
    dsps: int
    latency: int
    levels: int
    adder_bits: int = 0  # dense only: the bits of all its 2-input adders
    brams: float = 0.0  # stream designs: line buffers and FIFOs in block RAM (RAMB36 units)
    lutrams: int = 0  # ... and in LUTs used as RAM

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class GraphEstimate:
    nodes: list[NodeEstimate]
    output_ffs: int  # the top's registers: out_data and out_valid (and a pipelined top's stage registers)
    latency: int

    @property
    def luts(self) -> int:
        return sum(n.luts for n in self.nodes)

    @property
    def ffs(self) -> int:
        return sum(n.ffs for n in self.nodes) + self.output_ffs

    @property
    def dsps(self) -> int:
        return sum(n.dsps for n in self.nodes)

    @property
    def brams(self) -> float:
        return sum(n.brams for n in self.nodes)

    @property
    def lutrams(self) -> int:
        return sum(n.lutrams for n in self.nodes)

    def to_dict(self) -> dict:
        return {"nodes": [n.to_dict() for n in self.nodes], "luts": self.luts, "ffs": self.ffs, "dsps": self.dsps,
                "brams": self.brams, "lutrams": self.lutrams, "latency": self.latency}


def estimate(graph: Graph, dsp: bool = False, io: str = "auto",
             parallelism: dict[str, int] | None = None, multipliers: str | None = None,
             pipeline: int | dict[str, int] | None = None, adders: str | None = None) -> GraphEstimate:
    """Per-node estimates for `graph` in the architecture `io` ("parallel", "stream" or "auto", as emit
    chooses) at `parallelism` (multiply-accumulates per clock by kernel node, stream only); `dsp=True` moves
    non-trivial products into DSP blocks. The graph is priced as the Verilog backend prints it: its passes run
    first (on a copy), with `multipliers` as emit takes it (None: the backend's default, shift_add; with dsp=True,
    direct, the form from which a tool infers DSP blocks). `pipeline` and `adders`: the parallel top's register
    stages and the shift-add form's adders, as emit takes them."""
    from hwq.passes.schedule import choose_io, schedule

    if dsp and multipliers is None:
        multipliers = "direct"
    graph = as_printed(graph, multipliers, adders)
    if choose_io(graph, io) == "stream":
        from hwq.hardware_cost.stream import estimate_stream

        return estimate_stream(graph, dsp, parallelism)
    stages = None
    if parallelism or pipeline is not None:
        # refuses a setting the parallel design cannot take
        stages = schedule(graph, "parallel", parallelism, pipeline).pipeline
    values = graph.values()
    nodes = [estimate_node(n, [values[name].type for name in n.inputs], dsp) for n in graph.nodes]
    out_bits = sum(v.size * v.type.width for v in graph.output_values)
    if stages is not None:
        return GraphEstimate(nodes, output_ffs=out_bits + 1 + stages.register_bits, latency=stages.latency)
    return GraphEstimate(nodes, output_ffs=out_bits + 1, latency=1)


def as_printed(graph: Graph, multipliers: str | None = None, adders: str | None = None) -> Graph:
    """A copy of graph after the Verilog backend's passes (hwq.passes.PIPELINES), as hwq.emit runs them."""
    from hwq.passes import PIPELINES, run_passes
    from hwq.passes.constant_form import adder_form, constant_form

    passes = [*([constant_form(multipliers)] if multipliers else []), *([adder_form(adders)] if adders else []),
              *PIPELINES["verilog"]]
    return run_passes(copy.deepcopy(graph), passes)


def estimate_node(node: Node, x: FixedType | list[FixedType], dsp: bool = False) -> NodeEstimate:
    """The cost of one node, its inputs of type x (one type, or one per input), priced by COSTS[node.op]."""
    xs = [x] if isinstance(x, FixedType) else list(x)
    try:
        cost = COSTS[node.op]
    except KeyError:
        raise ValueError(f"node {node.name!r}: no resource model for op {node.op!r}") from None
    return cost(node, xs, dsp)


def _quantize(node: Node, xs: list[FixedType], dsp: bool) -> NodeEstimate:
    return NodeEstimate(node.name, node.op, node.output.size * _quantize_luts(xs[0], node.output.type), 0, 0, 0, 1)


def _relu(node: Node, xs: list[FixedType], dsp: bool) -> NodeEstimate:
    luts = node.output.size * node.output.type.width if xs[0].signed else 0  # unsigned input: wiring
    return NodeEstimate(node.name, node.op, luts, 0, 0, 0, 1 if luts else 0)


def _wiring(node: Node, xs: list[FixedType], dsp: bool) -> NodeEstimate:
    """Reshape, transpose, scale, concatenate, pad, crop and upsample move bits (exact casts are shifts and
    extensions, padding is constant zeros): no logic."""
    return NodeEstimate(node.name, node.op, 0, 0, 0, 0, 0)


def _sum(node: Node, xs: list[FixedType], dsp: bool, negated: bool = False) -> NodeEstimate:
    """Add and subtract: per element, an adder tree over the operands aligned to the output's grid (a
    subtrahend is negated, so it spans the whole width like a signed operand)."""
    out = node.output.type
    terms = [Addend(out.width - 1 if t.signed else min(out.width - 1, out.frac - t.frac + t.width - 1),
                    out.frac - t.frac, t.signed or negated) for t in xs]
    bits, depth = tree_cost(terms, out.width)
    luts = round(LUTS_PER_ADDER_BIT * bits) * node.output.size
    return NodeEstimate(node.name, node.op, luts, 0, 0, 0, depth, bits * node.output.size)


def _multiply(node: Node, xs: list[FixedType], dsp: bool) -> NodeEstimate:
    """Per element, a chain of general multipliers: one LUT per partial-product bit (an array multiplier
    in LUT6 and carry chains), or DSP48 blocks (25 x 18 bits each) with dsp=True."""
    luts = dsps = 0
    width = xs[0].width
    for t in xs[1:]:
        if dsp:
            dsps += math.ceil(width / 25) * math.ceil(t.width / 18)
        else:
            luts += width * t.width
        width += t.width
    n = node.output.size
    return NodeEstimate(node.name, node.op, luts * n, 0, dsps * n, 0, len(xs) - 1)


def _kernel(node: Node, xs: list[FixedType], dsp: bool) -> NodeEstimate:
    """dense, conv, affine: every output one sum of constant products (KernelOp.columns gives the weights of
    each output channel), priced once per channel and repeated over the positions that share it. (A conv's
    border outputs skip their padded taps, so this is a little high for them.)"""
    x = xs[0]
    acc: FixedType = node.output.type
    w = acc.width
    kshift = acc.frac - x.frac - node.params["kernel"].type.frac
    columns = np.asarray(get_op(node.op).columns(node), dtype=object)
    bias = None
    if "bias" in node.params:
        b = node.params["bias"]
        bias = [int(v) << (acc.frac - b.type.frac) for v in np.asarray(b.mantissa, dtype=object).reshape(-1)]
    x_width = min(x.width, w)
    bits = depth = dsps = 0
    repeats = node.output.size // columns.shape[1]  # positions (or rows of a dense's leading axes)
    for j in range(columns.shape[1]):
        terms: list[Addend] = []
        for c in (wrap_signed(int(v) << kshift, w) for v in columns[:, j]):  # the Verilog sums modulo 2^w
            if c == 0:
                continue
            magnitude = abs(c)
            if dsp and not is_power_of_two(magnitude):
                dsps += 1  # the product comes out of a DSP48 as one full-width addend
                terms.append(Addend(w - 1, 0, True))
                continue
            product, cost = constant_product(magnitude, x_width, x.signed, c < 0, w)
            terms += product
            bits += cost
        if bias is not None and wrap_signed(bias[j], w):
            terms.append(Addend(w - 1, 0, True))
        tree_bits, tree_depth = tree_cost(terms, w)
        bits += tree_bits
        depth = max(depth, tree_depth)
    luts = round(LUTS_PER_ADDER_BIT * bits)
    return NodeEstimate(node.name, node.op, luts * repeats, 0, dsps * repeats, 0, depth, bits * repeats)


def _shift_add_kernel(node: Node, xs: list[FixedType], dsp: bool) -> NodeEstimate:
    """dense, conv, affine in the shift_add form: the program the backends print (hwq.cmvm.kernels) in the excess
    form of the Verilog printer, one LUT per bit where an adder's words overlap (lut_bits), or, with ternary adders
    (node.attrs["adders"]), one per bit of each three-word adder's LUT region (hwq.scalar.ternary), repeated over
    the positions (or rows) that share it; adder_bits counts the carry chains' bits (carry_bits)."""
    from hwq.cmvm.kernels import kernel_program
    from hwq.scalar import ternary
    from hwq.scalar.excess import carry_bits, excess_form, lut_bits

    program = kernel_program(node, xs[0])
    repeats = node.output.size // len(program.outputs)
    words = excess_form(program)
    bits = carry_bits(program, words)
    if node.attrs.get("adders", "binary") == "ternary":
        overlap = ternary.lut_bits(program, words, ternary.plan(program, words))
    else:
        overlap = lut_bits(program, words)
    luts = round(LUTS_PER_OVERLAP_BIT * overlap)
    depth = max(program.depth(), default=0)
    return NodeEstimate(node.name, node.op, luts * repeats, 0, 0, 0, depth, bits * repeats)


def _constant_kernel(node: Node, xs: list[FixedType], dsp: bool) -> NodeEstimate:
    """A kernel node priced in the form it is printed (node.attrs["constants"]; estimate() prints direct when DSP
    blocks are asked for, the only form from which a tool infers them)."""
    if node.attrs.get("constants") == "shift_add":
        return _shift_add_kernel(node, xs, dsp)
    return _kernel(node, xs, dsp)


def _pool(node: Node, xs: list[FixedType], dsp: bool) -> NodeEstimate:
    """Per output, taps - 1 two-input steps: a comparison and a select (two LUTs per bit) for a max, an adder
    in the output width for a sum."""
    steps = node.attrs["op_count"]
    width = xs[0].width if node.attrs["mode"] == "max" else node.output.type.width
    per_bit = 2 if node.attrs["mode"] == "max" else LUTS_PER_ADDER_BIT
    taps = steps // max(node.output.size, 1) + 1
    return NodeEstimate(node.name, node.op, round(per_bit * width * steps), 0, 0, 0, math.ceil(math.log2(taps)),
                        width * steps if node.attrs["mode"] == "sum" else 0)


def _quantize_luts(src: FixedType, dst: FixedType) -> int:
    """Per element: round away `shift` bits (an incrementer over what is kept), then saturate."""
    shift = src.frac - dst.frac
    kept = src.width - max(shift, 0)
    if dst.overflow is not Overflow.WRAP and (src.integer > dst.integer or (src.signed and not dst.signed)):
        # rounding then clamping: Yosys merges the incrementer into the clamp, about one LUT per kept bit (the
        # jet tagger's and MNIST dense model's activations: 4-18 LUTs per element, each within 25%, their sum 4%)
        return math.ceil(LUTS_PER_SATURATE_BIT * kept)
    if shift > 0 and dst.rounding.value != "TRN":
        return math.ceil(LUTS_PER_ROUND_BIT * (kept + 1))
    return 0


def _table(node: Node, xs: list[FixedType], dsp: bool) -> NodeEstimate:
    entries = node.params["table"].shape[0]
    if prints_as_thresholds(node.params["table"].mantissa):
        thresholds = len(run_starts(node.params["table"].mantissa)) - 1
        luts = math.ceil(node.output.size * thresholds * LUTS_PER_THRESHOLD)
        return NodeEstimate(node.name, node.op, luts, 0, 0, 0, 1)
    index_bits = max(1, math.ceil(math.log2(max(entries, 2))))
    per_bit = 1 if index_bits <= 6 else 2 ** (index_bits - 6) + 2 ** (index_bits - 6) // 2
    luts = 0 if entries == 1 else node.output.size * node.output.type.width * per_bit
    return NodeEstimate(node.name, node.op, luts, 0, 0, 0, 1 if luts else 0)


COSTS: dict[str, Callable[[Node, list[FixedType], bool], NodeEstimate]] = {
    "dense": _constant_kernel, "conv": _constant_kernel, "affine": _constant_kernel, "pool": _pool,
    "quantize": _quantize, "relu": _relu, "table": _table,
    "add": _sum, "subtract": partial(_sum, negated=True), "multiply": _multiply,
    "concatenate": _wiring, "reshape": _wiring, "transpose": _wiring, "scale": _wiring, "pad": _wiring,
    "crop": _wiring, "upsample": _wiring,
}

