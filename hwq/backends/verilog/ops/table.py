"""A table node as Verilog: one function (the input's top bits as a signed index, a clamp, a `case` ROM)
applied to every element.

The mantissa floor-shifted right by s is exactly the input's bits [w-1:s] read as two's complement
(with a zero bit on top when the input is unsigned): a slice, no arithmetic. The clamp is two
signed comparisons; the case lists every entry but the most common one, which is the default.
Elements are wired with constant slices, so the module has no arithmetic at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

from hwq.backends.verilog.expr import element, signed_literal, unsigned_literal
from hwq.backends.verilog.ops.base import NodeView, input_buses, output_bus
from hwq.fixed import ap_spelling
from hwq.ir import Node, Value
from hwq.ir.ops.table import prints_as_thresholds, run_starts


@dataclass
class CaseItem:
    index: str  # signed literal of the (clamped) index
    bits: str  # the output word


@dataclass
class TableView(NodeView):
    op: ClassVar[str] = "table"
    n: int
    w_in: int
    w_out: int
    elements: list[tuple[str, str]]  # (output slice, input slice) per element
    constant: str  # a one-entry table: its output word (then there is no index)
    k_width: int  # the index word k = m >> s
    k_expr: str  # of the input element xi
    clamp: str  # k brought into [lo, hi], or "" when it never leaves that range
    items: list[CaseItem]
    default: str
    thresholds: list[CaseItem] = field(default_factory=list)  # the runs' starts, when printed as comparisons


def table_view(node: Node, module: str, inputs: list[Value]) -> TableView:
    src, dst = inputs[0].type, node.output.type
    ports = (input_buses(inputs), output_bus(node))
    s, lo, hi = (node.attrs[a] for a in ("index_shift", "index_lo", "index_hi"))
    entries = [int(v) for v in node.params["table"].mantissa]
    words = [unsigned_literal(v, dst.width) for v in entries]
    n = node.output.size
    elements = [(element("y", j, dst.width), element("x", j, src.width)) for j in range(n)]
    comment = [f"{node.name}: table, elementwise {ap_spelling(src)} -> {ap_spelling(dst)}"]
    if len(entries) == 1:
        comment.append(f"one entry: the output is the constant {entries[0]} (mantissa) for every input")
        return TableView(module, comment, *ports, n, src.width, dst.width, elements, words[0], 0, "", "", [], "")

    k_width = src.width - s + (0 if src.signed else 1)
    top = f"xi[{src.width - 1}:{s}]" if src.width - 1 > s else f"xi[{s}]"
    k_expr = top if src.signed else f"{{1'b0, {top}}}"
    clamp = _clamp(lo if lo > src.min_mantissa >> s else None, hi if hi < src.max_mantissa >> s else None, k_width)
    if prints_as_thresholds(entries):
        # a staircase: the first entry, replaced at each later run's start; below lo and above hi the first and
        # last runs go on, which is the clamp
        starts = run_starts(entries)
        thresholds = [CaseItem(signed_literal(lo + j, k_width), words[j]) for j in starts[1:]]
        comment.append(f"k = mantissa >> {s} (the input's top {src.width - s} bits); {len(entries)} entries in "
                       f"{len(starts)} runs: the first entry, replaced at each later run's start")
        return TableView(module, comment, *ports, n, src.width, dst.width, elements, "", k_width, k_expr, "", [],
                         words[0], thresholds)
    default = Counter(words).most_common(1)[0][0]  # the fewest case lines
    items = [CaseItem(signed_literal(lo + j, k_width), w) for j, w in enumerate(words) if w != default]
    comment.append(f"k = mantissa >> {s} (the input's top {src.width - s} bits), clamped to [{lo}, {hi}]; "
                   f"{len(entries)} entries, {len(items)} listed, the rest {default}")
    return TableView(module, comment, *ports, n, src.width, dst.width, elements, "", k_width, k_expr, clamp, items,
                     default)


def _clamp(lo: int | None, hi: int | None, width: int) -> str:
    """`k < LO ? LO : k > HI ? HI : k` with only the comparisons the input range needs."""
    expr = "k"
    if hi is not None:
        h = signed_literal(hi, width)
        expr = f"(k > {h}) ? {h} : k"
    if lo is not None:
        low = signed_literal(lo, width)
        expr = f"(k < {low}) ? {low} : " + (f"({expr})" if hi is not None else "k")
    return "" if expr == "k" else expr
