"""A kernel op (dense, conv, affine) computed over R clocks: a stream stage whose initiation interval is R > 1.

The schedule (hwq.passes.schedule) gives a kernel node `parallelism` multiply-accumulates per clock, so its stage
takes ii = R clocks per output position: it takes its input (a pixel, a window, a vector) in step 0, and its
output is registered at the end of step R - 1, seen by the reader R clocks after the input was taken. This view
prints that stage's arithmetic with about 1/R of the multipliers, shared over the steps:

- the position's outputs are split into slices of c = ceil(n_out / R) outputs (c "slots"); each working step
  computes one slice, y[o*c + j'] = bias + sum of x[i] * w[i][o*c + j'], into slot j';
- when R > n_out, each output is one slice (c = 1) and its sum is split into chunks of the used inputs, one
  chunk per step, accumulated in a register (the first chunk starts from the bias);
- each product is a lane: an input (the same every step, or chosen by the step: a mux) times a weight (a
  constant, or a small table of constants chosen by the step). A lane serves one input of a slot (of a chunk);
  inputs no step needs together (an affine's diagonal, a grouped conv's other groups) share one;
- a product with a table of weights is a sum of partial products, one per weight bit some step sets (the
  operand shifted, kept when the step's weight has that bit): narrower than a general multiplier, since
  the weights are known; one with a constant weight is a constant multiplication, as in the full design;
- steps with no work (R above the slices x chunks) come first, so the last working step is step R - 1;
- finished slices shift into `done` (slice 0 lowest), and y is the last slice beside them.

Every table, width and literal is decided here (kernel.py computes the words and operands, as for the full
design); templates/verilog/ops/sliced.v.j2 lays them out. Exactness is the full design's: each product is exact in
the bits that hold it (the operand's plus the weight's) or taken modulo 2^W in the accumulator's W bits, and every
sum, the chunks' running sum included, is formed modulo 2^W; the accumulator was proven to hold every result, so
the wrapped sums are exact in any order and any split.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hwq.backends.verilog.expr import Bits, aligned, extend, signed_literal, signed_width
from hwq.backends.verilog.ops.base import NodeView, input_buses, output_bus
from hwq.backends.verilog.ops.kernel import Operand, Output, kernel_note, kernel_operands, kernel_words, sum_lines
from hwq.fixed import ap_spelling
from hwq.fixed.integers import wrap_signed
from hwq.ir import IRError, Node, Value
from hwq.ir.ops.conv import conv_window
from hwq.ir.ops.kernel import position_matrix

SLICED_OPS = ("dense", "conv", "affine")
PRODUCT_TERMS_PER_LINE = 3
SUM_TERMS_PER_LINE = 3


@dataclass
class Select:
    """`reg name;` set by the step program: a constant table (weights, a bias), a choice of operand (each a signed
    word of `bits`), or a control (one unsigned bit)."""

    name: str
    bits: int
    signed: bool
    note: str


@dataclass
class Product:
    """`wire signed [bits-1:0] name = lines;`: operand * weight (bits: the operands' widths summed, or the
    accumulator's)."""

    name: str
    bits: int
    lines: list[str]
    table: bool  # the weight is chosen by the step


@dataclass
class Case:
    """One item of the step program: `labels: begin name = value; ... end` (no labels: the default item)."""

    labels: list[str]
    values: list[tuple[str, str]]  # (select name, value), every select of the view


@dataclass
class SlicedView(NodeView):
    op: ClassVar[str] = "sliced"
    steps: int  # R: clocks per position
    step_bits: int
    last: str  # the literal of step R - 1
    width: int  # accumulator width: every operand, constant, product and sum has exactly this many bits
    source: str  # what the operands read: the held input, or (when step 0 works) the input itself in step 0
    operand_bits: int  # an input element as a signed operand
    operands: list[Operand]  # read from xs
    selects: list[Select]
    program: list[Case]
    products: list[Product]  # this step's products, each in as few bits as hold it (at most the accumulator's)
    sums: list[Output]  # r<j>: slot j's sum this step
    done_bits: int  # the finished slices held (0: none)
    shift: str  # when done takes the step's slice (a select or a constant)
    shift_expr: str
    accumulate: str  # when acc takes r0 (chunked sums), else ""
    y_expr: str

    @property
    def multipliers(self) -> int:
        """Products whose weight is a table (a general multiplier): the rest multiply by a constant."""
        return sum(p.table for p in self.products)


@dataclass
class _Tiling:
    slots: int  # c: outputs per slice
    slices: int
    chunks: int  # per slice (> 1 only when c = 1)
    chunk: int  # used inputs per chunk
    idle: int  # steps with no work, first

    def work(self, steps: int) -> dict[int, tuple[int, int]]:
        """Working step -> (slice, chunk)."""
        return {self.idle + w: divmod(w, self.chunks) for w in range(steps - self.idle)}


def sliced_view(node: Node, module: str, inputs: list[Value], steps: int) -> SlicedView:
    """The arithmetic of a kernel stage at one position (`node`, `inputs`: stream/local.py) over `steps` clocks."""
    if steps < 2:
        raise ValueError(f"node {node.name!r}: a sliced kernel takes 2 or more steps, not {steps}")
    matrix, labels, what = _position_matrix(node, inputs)
    x_type, acc = inputs[0].type, node.output.type
    w = acc.width
    bias = node.params.get("bias")
    constants, offsets = kernel_words(matrix, node.params["kernel"].type, bias, x_type, acc)
    n_in, n_out = matrix.shape
    used = [i for i in range(n_in) if any(constants[i])]
    depth = max(sum(1 for row in constants if row[j]) for j in range(n_out))
    t = _tiling(steps, n_out, len(used), depth)
    work = t.work(steps)
    # an input element as a signed operand: sign bit added to an unsigned one, cut to the accumulator
    x_bits = min(w, x_type.width + (not x_type.signed))
    b = _Builder(steps, w, x_bits)

    sums = []
    for jj in range(t.slots):
        col = {s: o * t.slots + jj for s, (o, _) in work.items() if o * t.slots + jj < n_out}
        terms: list[tuple[int, str | None]] = []
        if t.chunks > 1:  # a sum's first chunk starts from the bias, the others from acc
            first = {s: "acc" if q else offsets[o] or 0 for s, (o, q) in work.items()}
            terms.append(b.term(f"b{jj}", first, "the sum so far: the bias, or acc"))
            lanes = _chunk_lanes(steps, work, t, used, constants)
        else:
            if bias is not None:
                terms.append(b.term(f"b{jj}", {s: offsets[j] for s, j in col.items()}, "the bias"))
            lanes = _slot_lanes(steps, col, used, constants)
        terms += [(1, b.product(f"{jj}_{k}", lane)) for k, lane in enumerate(lanes)]
        sums.append(Output(f"r{jj}", sum_lines(terms, w, SUM_TERMS_PER_LINE)))

    shift = accumulate = ""
    if t.slices > 1:  # a finished slice moves into done, but the last: it goes out beside them
        ends = {s: "1'b1" if q == t.chunks - 1 and o < t.slices - 1 else "1'b0" for s, (o, q) in work.items()}
        _, shift = b.select("sh", ends, 1, False, "done takes this step's slice")
    if t.chunks > 1:
        more = {s: "1'b1" if q < t.chunks - 1 else "1'b0" for s, (_, q) in work.items()}
        _, accumulate = b.select("ac", more, 1, False, "acc takes r0")

    slot_bits = t.slots * w
    done_bits = (t.slices - 1) * slot_bits
    slots = [f"r{jj}" for jj in range(t.slots)]  # low first, as every list of parts here
    shift_expr = _concat(([f"done[{done_bits - 1}:{slot_bits}]"] if t.slices > 2 else []) + slots)
    y_expr = _concat((["done"] if done_bits else []) + slots[:n_out - (t.slices - 1) * t.slots])

    nonzero = sum(1 for row in constants for v in row if v)
    plan = f"{t.slices} slice(s) of {t.slots} output(s)"
    if t.chunks > 1:
        plan += f", each summed in {t.chunks} chunks of up to {t.chunk} inputs (acc)"
    if t.idle:
        plan += f", after {t.idle} idle step(s)"
    general = sum(p.table for p in b.products)
    comment = [f"{node.name}: {what}, {n_out} x {ap_spelling(acc)} out, {steps} clocks per position (the "
               f"schedule's initiation interval): {plan}",
               f"{len(b.products)} products per step, shared over the steps ({general} of them general multipliers "
               f"fed a table of weights); the full design computes its {nonzero} nonzero products at once",
               *kernel_note(node, int(np.count_nonzero(node.params["kernel"].mantissa)),
                            node.params["kernel"].mantissa.size)]
    return SlicedView(module, comment, input_buses(inputs), output_bus(node), steps, b.step_bits, b.step(steps - 1),
                      w, "busy ? xh : x" if t.idle == 0 else "xh", x_bits,
                      kernel_operands(used, x_type, x_bits, "xs", labels), b.selects, b.program(), b.products, sums,
                      done_bits, shift, shift_expr, accumulate, y_expr)


def _position_matrix(node: Node, inputs: list[Value]) -> tuple[np.ndarray, list[str], str]:
    """The node at one position as one matrix of kernel mantissas (inputs, outputs) over the whole input bus, the
    inputs' labels and what the node is."""
    x = inputs[0]
    if node.op == "conv":
        return _conv_matrix(node, x)
    if node.op not in ("dense", "affine"):
        raise IRError(f"node {node.name!r}: {node.op} has no sliced arithmetic (only {', '.join(SLICED_OPS)})")
    row = position_matrix(node)
    n_in, n_out = row.shape
    rows = x.size // n_in
    if rows == 1:
        return row, [f"x[{i}]" for i in range(n_in)], f"{node.op}, {n_in} x {ap_spelling(x.type)} in"
    matrix = np.zeros((rows * n_in, rows * n_out), dtype=object)  # the same sums for every row
    for r in range(rows):
        matrix[r * n_in:(r + 1) * n_in, r * n_out:(r + 1) * n_out] = row
    labels = [f"row {r} x[{i}]" for r in range(rows) for i in range(n_in)]
    return matrix, labels, f"{node.op} over the last axis of {x.shape} of {ap_spelling(x.type)}"


def _conv_matrix(node: Node, x: Value) -> tuple[np.ndarray, list[str], str]:
    """A conv over all of x: one window (a stage of windows), or every output position (a vector)."""
    window = conv_window(node)
    spatial, out, cin = x.shape[:-1], node.output.shape[:-1], x.shape[-1]
    per_window = position_matrix(node)  # (taps * cin, cout)
    cout = per_window.shape[1]
    pixels = np.pad(np.arange(math.prod(spatial)).reshape(spatial), window.padding, constant_values=-1)
    matrix = np.zeros((math.prod(spatial) * cin, math.prod(out) * cout), dtype=object)
    for t, sources in enumerate(window.taps_of(pixels, out)):  # the input pixel each position reads at tap t
        for p, src in enumerate(sources.ravel()):
            if src >= 0:
                matrix[src * cin:(src + 1) * cin, p * cout:(p + 1) * cout] = per_window[t * cin:(t + 1) * cin]
    where = "tap" if math.prod(out) == 1 else "pixel"
    labels = [f"{where} {list(i)} channel {c}" for i in np.ndindex(*spatial) for c in range(cin)]
    return matrix, labels, f"conv over {' x '.join(map(str, x.shape))}"


def _tiling(steps: int, n_out: int, used: int, depth: int) -> _Tiling:
    """Slices of outputs, or (more steps than outputs) one output per slice and its sum in chunks of the used
    inputs; never more chunks than an output has nonzero weights (`depth`): an affine's sums are one product."""
    chunks = min(steps // n_out, depth) if steps > n_out else 1
    if chunks <= 1:
        slots = -(-n_out // steps)
        slices = -(-n_out // slots)
        return _Tiling(slots, slices, 1, used, steps - slices)
    chunk = -(-used // chunks)
    chunks = -(-used // chunk)
    return _Tiling(1, n_out, chunks, chunk, steps - n_out * chunks)


Lane = list  # per step: None (any product does), or (input index or None, weight word): a weight of 0 is a zero


def _slot_lanes(steps: int, col: dict[int, int], used: list[int], constants: list[list[int]]) -> list[Lane]:
    """The products of one slot: one lane per input it reads, its weight chosen by the step."""
    return _share([[None if s not in col else (i, constants[i][col[s]]) for s in range(steps)] for i in used])


def _chunk_lanes(steps: int, work: dict[int, tuple[int, int]], t: _Tiling, used: list[int],
                 constants: list[list[int]]) -> list[Lane]:
    """One slot (c = 1), its sum in chunks: lane l reads the l-th used input of the step's chunk."""
    lanes = []
    for lane in range(t.chunk):
        entries: Lane = [None] * steps
        for s, (o, q) in work.items():
            k = q * t.chunk + lane
            entries[s] = (used[k], constants[used[k]][o]) if k < len(used) else (None, 0)
        lanes.append(entries)
    return _share(lanes)


def _share(lanes: list[Lane]) -> list[Lane]:
    """Lanes that no step needs together (a nonzero weight in the same step) merged into one: a multiplier saved
    for a mux of operands. A diagonal (affine) or a grouped conv shares that way; a dense kernel, whose inputs
    every step needs, does not. First fit, the busiest lanes first; lanes never needed are dropped."""
    support = [{s for s, e in enumerate(lane) if e is not None and e[1]} for lane in lanes]
    groups: list[tuple[set[int], list[int]]] = []
    for k in sorted((k for k in range(len(lanes)) if support[k]), key=lambda k: -len(support[k])):
        group = next((g for g in groups if not g[0] & support[k]), None)
        if group is None:
            groups.append((set(support[k]), [k]))
        else:
            group[0].update(support[k])
            group[1].append(k)
    merged = []
    for _, members in groups:
        cared = [s for s in range(len(lanes[members[0]])) if lanes[members[0]][s] is not None]
        lane: Lane = [None] * len(lanes[members[0]])
        for s in cared:
            lane[s] = next((lanes[k][s] for k in members if lanes[k][s][1]), (None, 0))
        merged.append(lane)
    return merged


class _Builder:
    """Collects the selects (their values per step) and the products; a value no step changes is printed in place."""

    def __init__(self, steps: int, width: int, x_bits: int):
        self.steps, self.width, self.x_bits = steps, width, x_bits
        self.step_bits = max((steps - 1).bit_length(), 1)
        self.selects: list[Select] = []
        self.values: list[list[str]] = []  # per select, per step, as printed
        self.products: list[Product] = []

    def step(self, s: int) -> str:
        return f"{self.step_bits}'d{s}"

    def select(self, name: str, entries: dict[int, object], bits: int, signed: bool, note: str,
               show=str) -> tuple[bool, object]:
        """(False, the value) when every step in `entries` (step -> value; a step not there takes any) gives the
        same, else (True, the name of a new select). The steps that do not care take the commonest value, which
        keeps the step program short."""
        common = Counter(entries.values()).most_common(1)[0][0]
        if all(e == common for e in entries.values()):
            return False, common
        self.selects.append(Select(name, bits, signed, note))
        self.values.append([show(entries.get(s, common)) for s in range(self.steps)])
        return True, name

    def term(self, name: str, entries: dict[int, int | str], note: str) -> tuple[int, str | None]:
        """A word chosen by the step (an integer, or a register's name), as a term of a sum."""
        chosen, value = self.select(name, entries, self.width, True, note,
                                    lambda v: v if isinstance(v, str) else signed_literal(wrap_signed(v, self.width),
                                                                                          self.width))
        return (1, value) if chosen else (value, None)

    def product(self, name: str, lane: Lane) -> str:
        """A lane as the wire p<name> = operand * weight, each constant or chosen by the step, in the bits that
        hold every product exactly (or the accumulator's, modulo 2^W); returned as a term of a W-bit sum.

        A constant weight is a constant multiplication, as in the full design (synthesis makes it shifts and
        adds). A table of weights is a sum of partial products, one per bit of the weights that some step sets
        (the operand shifted, kept when the step's weight has that bit; the sign bit's subtracted): a bit that
        every step sets is added alone, one that none sets is left out. Narrower than a general multiplier."""
        cared = {s: e for s, e in enumerate(lane) if e is not None}
        _, operand = self.select(f"a{name}", {s: f"x{i}" for s, (i, wt) in cared.items() if wt}, self.x_bits,
                                 True, "the operand")
        weights = {s: wt for s, (_, wt) in cared.items()}
        w_bits = min(self.width, signed_width(*weights.values()))
        table, weight = self.select(f"w{name}", weights, w_bits, True, "the weight",
                                    lambda v: signed_literal(v, w_bits))
        bits = min(self.width, self.x_bits + w_bits)
        if table:
            terms: list[tuple[int, str | None]] = []
            for b in range(w_bits):
                set_by = {(v >> b) & 1 for v in weights.values()}
                shifted = aligned(Bits.wire(operand, self.x_bits), True, b, bits)
                if set_by == {0} or shifted is None:
                    continue
                shifted = shifted if shifted == operand else f"$signed({shifted})"
                kept = shifted if set_by == {1} else f"({weight}[{b}] ? {shifted} : {bits}'sd0)"
                terms.append((-1 if b == w_bits - 1 else 1, kept))
            lines = sum_lines(terms, bits, PRODUCT_TERMS_PER_LINE)
        elif weight < 0 and weight != -(1 << (w_bits - 1)):  # the sign outside: no narrow negated literal
            lines = [f"-({operand} * {signed_literal(-weight, w_bits)})"]
        else:
            lines = [f"{operand} * {signed_literal(weight, w_bits)}"]
        p = Product(f"p{name}", bits, lines, table)
        self.products.append(p)
        return p.name if bits == self.width else f"$signed({extend(Bits.wire(p.name, bits), True, self.width)})"

    def program(self) -> list[Case]:
        """The steps grouped by the values they give every select; the largest group is the default item."""
        if not self.selects:
            return []
        groups: dict[tuple[str, ...], list[int]] = {}
        for s in range(self.steps):
            groups.setdefault(tuple(v[s] for v in self.values), []).append(s)
        default = max(groups, key=lambda key: len(groups[key]))
        names = [sel.name for sel in self.selects]
        cases = [Case([self.step(s) for s in steps], list(zip(names, values, strict=True)))
                 for values, steps in sorted(groups.items(), key=lambda g: g[1][0]) if values != default]
        return [*cases, Case([], list(zip(names, default, strict=True)))]


def _concat(parts: list[str]) -> str:
    """Element 0 in the low bits: `{r1, r0, done}` for parts [done... ] given low first: parts are high first."""
    return parts[0] if len(parts) == 1 else "{" + ", ".join(reversed(parts)) + "}"
