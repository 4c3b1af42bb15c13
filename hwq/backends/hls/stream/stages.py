"""One stage per node, by the schedule's kind: what its body declares, reads, computes and writes.

Every stage walks its positions in one flat loop pipelined at II=1 (the schedule's positions, in order), with
one counter per grid axis stepped at the end of each position, so no position needs a division. The
arithmetic is the op printers' (local.py gives them the node at one position); a stage adds only the
movement around it: streams read and written, pad pixels injected, line buffers and windows shifted.

Kinds (hwq.passes.schedule): pixel (one pixel of each input -> one pixel), window (conv, pool: the padded
grid; a real position reads a pixel, a padding position makes the pad pixel; the window's last tap emits),
resample (pad, crop, upsample on spatial axes: pixels copied, exact), collect (every pixel into the value's
array, then the node on whole arrays -> one vector), vector (the node on whole arrays), and fork (a graph input
read by several stages, copied to each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace

from hwq.backends.hls.code import CArray, CFunction
from hwq.backends.hls.flavour import Flavour
from hwq.backends.hls.loops import INDENT, Loops, flat_index, nest, subscript, unflatten
from hwq.backends.hls.ops import PrintContext, printer_for
from hwq.backends.hls.ops.context import Typedef
from hwq.backends.hls.ops.pool import minimum_literal
from hwq.backends.hls.stream.local import pixel_node, reach, window_node
from hwq.backends.names import Namer
from hwq.backends.templates import render
from hwq.ir import Node, Value
from hwq.ir.ops.conv import conv_window
from hwq.ir.ops.pool import pool_window
from hwq.passes.schedule import NodePlan

MAX_GRID_RANK = 8
# the stages' own locals (every other local name comes from the namer)
LOCAL_NAMES = ("hwq_pos", "hwq_i", "hwq_j", "hwq_k", *(f"hwq_q{d}" for d in range(MAX_GRID_RANK)))


@dataclass
class Link:
    """A stream a stage reads or writes: its value (full shape), the stream's name, the transfer struct."""

    value: Value
    stream: str
    struct: str
    element: str  # the value's typedef


@dataclass
class Block:
    """Loops and the statements inside them (the template lays them out)."""

    loops: Loops
    lines: list[str]


@dataclass
class Body:
    template: str  # under templates/hls/stream/
    fields: dict
    params: list[CArray] = field(default_factory=list)


class StageWriter:
    """Builds the body of each kind of stage; shared names and typedefs go through the program's namer."""

    def __init__(self, flavour: Flavour, namer: Namer, typedef: Typedef):
        self.fl, self.namer, self.typedef = flavour, namer, typedef
        self.functions: list[CFunction] = []  # helpers the stages' arithmetic calls, printed before the stages

    # -- the arithmetic: the op printers on per-position nodes -------------------------------------------
    def op(self, node: Node, ins: list[Value], arrays: dict[str, CArray], depth: int) -> tuple[str, list[CArray]]:
        values = {v.name: v for v in [*ins, node.output]}
        ctx = PrintContext(self.fl, self.namer, values, arrays, self.typedef)
        printed = printer_for(self.fl, node.op)(ctx, node)
        self.functions += printed.functions
        code = render(printed.template, n=SimpleNamespace(**printed.fields)).rstrip("\n")
        text = f"{INDENT}// {printed.comment}\n{code}"
        return indent(text, depth - 1), printed.params

    def loops(self, dims, names, depth: int) -> Loops:
        return nest(self.fl, dims, names, depth)

    def copy(self, dst: str, src: str, channels: int, depth: int) -> Block:
        """dst.data[k] = src.data[k] for every channel: an exact copy (the types differ at most in inert modes)."""
        return Block(self.loops((channels,), ["hwq_k"], depth), [f"{dst}[hwq_k] = {src}[hwq_k];"])

    # -- kinds -------------------------------------------------------------------------------------------
    def pixel(self, node: Node, ins: list[Link], out: Link, sinks: list[str], plan: NodePlan) -> Body:
        local, values = pixel_node(node, [i.value for i in ins])
        pixels = [self.namer(f"{i.stream}_px") for i in ins]
        y = self.namer(f"{out.stream}_px")
        arrays = {i.value.name: CArray(f"{px}.data", i.element, v.shape) for i, px, v in zip(ins, pixels, values,
                                                                                               strict=True)}
        arrays[out.value.name] = CArray(f"{y}.data", out.element, local.output.shape)
        code, params = self.op(local, values, arrays, 2)
        fields = {"positions": plan.positions, "reads": list(zip(ins, pixels, strict=True)), "out": out, "y": y,
                  "code": code, "sinks": sinks}
        return Body("pixel", fields, params)

    def window(self, node: Node, x: Link, out: Link, sinks: list[str], plan: NodePlan) -> Body:
        window = conv_window(node) if node.op == "conv" else pool_window(node)
        local, (xv,) = window_node(node, x.value, window)
        grid, channels = x.value.shape[:-1], x.value.shape[-1]
        rank = window.rank
        padded = [n + lo + hi for n, (lo, hi) in zip(grid, window.padding, strict=True)]
        span = reach(window)
        q = counters(rank)
        win, px, acc, y = (self.namer(f"{x.stream}_win"), self.namer(f"{x.stream}_px"),
                           self.namer(f"{out.stream}_acc"), self.namer(f"{out.stream}_px"))
        line = self.namer(f"{x.stream}_line") if rank == 2 and span[0] > 1 else None
        pad = minimum_literal(x.value.type) if node.op == "pool" and node.attrs["mode"] == "max" else "0"
        decls = [f"{x.element} {win}{subscript(str(d) for d in (*span, channels))}",
                 f"{out.element} {acc}{subscript(str(d) for d in local.output.shape)}"]
        pragmas = self.fl.partition(win, (0,)) + self.fl.partition(acc, (0,))
        if line:
            decls.insert(1, f"{x.element} {line}[{span[0] - 1}][{padded[1]}][{channels}]")
            # rows and channels side by side; along a row, a memory read and written once per position
            pragmas += self.fl.partition(line, (1, 3))
        arrays = {x.value.name: CArray(win, x.element, xv.shape),
                  out.value.name: CArray(acc, out.element, local.output.shape)}
        code, params = self.op(local, [xv], arrays, 3)
        emit = []
        for k in range(rank):  # the window's last tap is here: the window ends at this position
            if span[k] > 1:
                emit.append(f"{q[k]} >= {span[k] - 1}")
            if window.strides[k] > 1:
                emit.append(f"({q[k]} - {span[k] - 1}) % {window.strides[k]} == 0" if span[k] > 1
                            else f"{q[k]} % {window.strides[k]} == 0")
        # a line buffer column is read and written once per row: the loop may overlap positions up to a row apart
        loop_pragmas = self.fl.dependence(line, padded[1]) if line else []
        fields = {"decls": decls, "line": line, "pragmas": pragmas, "loop_pragmas": loop_pragmas,
                  "counters": q, "positions": math.prod(padded),
                  "x": x, "px": px, "inside": inside(q, grid, window.padding), "pad": pad,
                  "fill": self.loops((channels,), ["hwq_k"], 3), "shift": self._shift(win, line, px, span, channels, q),
                  "emit": " && ".join(emit) or "true", "code": code, "out": out, "y": y,
                  "copy": self.copy(f"{y}.data", f"{acc}{subscript(['0'] * rank)}", out.value.shape[-1], 3),
                  "sinks": sinks, "advance": advance(q, padded, 2)}
        return Body("window", fields, params)

    def _shift(self, win: str, line: str | None, px: str, span: tuple[int, ...], channels: int,
               q: list[str]) -> list[Block]:
        """The window moves one position along the row: every column one to the left, then the new column on the
        right: the line buffer's rows at this column (oldest first) and the new pixel, which the line buffer
        keeps in place of its oldest row."""
        rows = span[0] if line else 1
        last = span[-1] - 1
        at = (lambda i, j: f"[{i}][{j}][hwq_k]") if len(span) == 2 else (lambda i, j: f"[{j}][hwq_k]")
        blocks = []
        if last:
            dims, names = ((span[0], last, channels), ["hwq_i", "hwq_j", "hwq_k"]) if len(span) == 2 else \
                ((last, channels), ["hwq_j", "hwq_k"])
            blocks.append(Block(self.loops(dims, names, 2),
                                [f"{win}{at('hwq_i', 'hwq_j')} = {win}{at('hwq_i', 'hwq_j + 1')};"]))
        column = q[-1]
        if line:
            blocks.append(Block(self.loops((rows - 1, channels), ["hwq_i", "hwq_k"], 2),
                                [f"{win}{at('hwq_i', last)} = {line}[hwq_i][{column}][hwq_k];"]))
            if rows > 2:
                blocks.append(Block(self.loops((rows - 2, channels), ["hwq_i", "hwq_k"], 2),
                                    [f"{line}[hwq_i][{column}][hwq_k] = {line}[hwq_i + 1][{column}][hwq_k];"]))
        newest = [f"{win}{at(rows - 1, last)} = {px}.data[hwq_k];"]
        if line:
            newest.append(f"{line}[{rows - 2}][{column}][hwq_k] = {px}.data[hwq_k];")
        blocks.append(Block(self.loops((channels,), ["hwq_k"], 2), newest))
        return blocks

    def pad(self, node: Node, x: Link, out: Link, sinks: list[str], plan: NodePlan) -> Body:
        grid = out.value.shape[:-1]
        q = counters(len(grid))
        px, y = self.namer(f"{x.stream}_px"), self.namer(f"{out.stream}_px")
        fields = {"counters": q, "positions": math.prod(grid), "x": x, "px": px, "out": out, "y": y,
                  "inside": inside(q, x.value.shape[:-1], node.attrs["padding"][:-1]),
                  "copy": self.copy(f"{y}.data", f"{px}.data", out.value.shape[-1], 3),
                  "zero": self.loops((out.value.shape[-1],), ["hwq_k"], 3), "sinks": sinks,
                  "advance": advance(q, grid, 2)}
        return Body("pad", fields)

    def crop(self, node: Node, x: Link, out: Link, sinks: list[str], plan: NodePlan) -> Body:
        grid = x.value.shape[:-1]
        q = counters(len(grid))
        px, y = self.namer(f"{x.stream}_px"), self.namer(f"{out.stream}_px")
        kept = []
        for c, n, (lo, hi) in zip(q, grid, node.attrs["cropping"][:-1], strict=True):
            kept += ([f"{c} >= {lo}"] if lo else []) + ([f"{c} < {n - hi}"] if hi else [])
        fields = {"counters": q, "positions": math.prod(grid), "x": x, "px": px, "out": out, "y": y,
                  "kept": " && ".join(kept) or "true",
                  "copy": self.copy(f"{y}.data", f"{px}.data", out.value.shape[-1], 3), "sinks": sinks,
                  "advance": advance(q, grid, 2)}
        return Body("crop", fields)

    def upsample(self, node: Node, x: Link, out: Link, sinks: list[str], plan: NodePlan) -> Body:
        """A new input pixel shows at the first output row (along every leading axis) of its group and the first
        of its columns; later rows of the group replay it from a buffer of one input row (the input's axes after
        the first), needed only where a leading axis repeats."""
        grid, size = out.value.shape[:-1], node.attrs["size"][:-1]
        channels = x.value.shape[-1]
        q = counters(len(grid))
        px, y = self.namer(f"{x.stream}_px"), self.namer(f"{out.stream}_px")
        new_column = f"{q[-1]} % {size[-1]} == 0" if size[-1] > 1 else "true"
        fresh = " && ".join(f"{c} % {f} == 0" for c, f in zip(q[:-1], size[:-1], strict=True) if f > 1)
        row = x.value.shape[1:-1]
        buf = self.namer(f"{x.stream}_row") if fresh else None
        decls, pragmas, loop_pragmas, store, load = [], [], [], None, None
        if buf:
            at = flat_index([f"{c} / {f}" if f > 1 else c for c, f in zip(q[1:], size[1:], strict=True)], row)
            decls.append(f"{x.element} {buf}[{math.prod(row)}][{channels}]")
            pragmas = self.fl.partition(buf, (2,))
            loop_pragmas = self.fl.dependence(buf, math.prod(grid[1:]))  # a row is replayed one output row later
            store = self.copy(f"{buf}[{at}]", f"{px}.data", channels, 4)
            load = self.copy(f"{px}.data", f"{buf}[{at}]", channels, 4)
        fields = {"counters": q, "positions": math.prod(grid), "x": x, "px": px, "out": out, "y": y,
                  "decls": decls, "pragmas": pragmas, "loop_pragmas": loop_pragmas, "new_column": new_column,
                  "fresh": fresh, "store": store, "load": load,
                  "copy": self.copy(f"{y}.data", f"{px}.data", channels, 2), "sinks": sinks,
                  "advance": advance(q, grid, 2)}
        return Body("upsample", fields)

    def collect(self, node: Node, ins: list[Link], forms: list[str], out: Link, sinks: list[str],
                plan: NodePlan) -> Body:
        """Every input pixel into its value's array, the inputs side by side (pixel i of each at position i, as
        the schedule reads them); a vector input at the first position. Then the node on whole arrays."""
        arrays, reads, decls, pragmas = {}, [], [], []
        for link, form in zip(ins, forms, strict=True):
            v = link.value
            if form == "vector":
                vec = self.namer(f"{link.stream}_vec")
                decls.append(f"{link.struct} {vec}")
                arrays[v.name] = CArray(f"{vec}.data", link.element, v.shape)
                reads.append(SimpleNamespace(link=link, vector=vec, test="hwq_pos == 0"))
                continue
            whole, px = self.namer(f"{link.stream}_all"), self.namer(f"{link.stream}_px")
            decls.append(f"{link.element} {whole}{subscript(str(d) for d in v.shape)}")
            pragmas += self.fl.partition(whole, (0,))
            arrays[v.name] = CArray(whole, link.element, v.shape)
            transfers = math.prod(v.shape[:-1])
            store = self.copy(f"{whole}{unflatten('hwq_pos', v.shape[:-1])}", f"{px}.data", v.shape[-1], 3)
            reads.append(SimpleNamespace(link=link, vector=None, px=px, store=store,
                                         test=f"hwq_pos < {transfers}" if transfers < plan.positions else "true"))
        y = self.namer(f"{out.stream}_vec")
        arrays[out.value.name] = CArray(f"{y}.data", out.element, out.value.shape)
        code, params = self.op(node, [i.value for i in ins], arrays, 1)
        fields = {"decls": decls, "pragmas": pragmas, "positions": plan.positions, "reads": reads, "out": out,
                  "y": y, "code": code, "sinks": sinks}
        return Body("collect", fields, params)

    def vector(self, node: Node, ins: list[Link], out: Link, sinks: list[str], plan: NodePlan) -> Body:
        vecs = [self.namer(f"{i.stream}_vec") for i in ins]
        y = self.namer(f"{out.stream}_vec")
        arrays = {i.value.name: CArray(f"{v}.data", i.element, i.value.shape) for i, v in zip(ins, vecs, strict=True)}
        arrays[out.value.name] = CArray(f"{y}.data", out.element, out.value.shape)
        code, params = self.op(node, [i.value for i in ins], arrays, 1)
        fields = {"reads": list(zip(ins, vecs, strict=True)), "out": out, "y": y, "code": code, "sinks": sinks}
        return Body("vector", fields, params)

    def fork(self, x: Link, transfers: int, sinks: list[str]) -> Body:
        return Body("fork", {"positions": transfers, "x": x, "px": self.namer(f"{x.stream}_px"), "sinks": sinks})


def counters(rank: int) -> list[str]:
    return [f"hwq_q{d}" for d in range(rank)]


def inside(q: list[str], grid: tuple[int, ...], padding) -> str:
    """The test that position q of `grid` padded by `padding` ([before, after] per axis) is a real pixel; empty
    when every position is."""
    tests = []
    for c, n, (lo, hi) in zip(q, grid, padding, strict=True):
        tests += ([f"{c} >= {lo}"] if lo else []) + ([f"{c} < {lo + n}"] if hi else [])
    return " && ".join(tests)


def advance(q: list[str], dims, depth: int) -> list[str]:
    """Lines stepping the counters to the next position in row-major order (the last counter fastest)."""
    pad = INDENT * depth
    if len(q) == 1:
        return [f"{pad}{q[0]}++;"]
    lines = [f"{pad}{q[-1]}++;"]
    for k in range(len(q) - 1, 0, -1):
        inner = INDENT * (len(q) - 1 - k)
        lines += [f"{pad}{inner}if ({q[k]} == {dims[k]}) {{", f"{pad}{inner}{INDENT}{q[k]} = 0;",
                  f"{pad}{inner}{INDENT}{q[k - 1]}++;"]
    lines += [f"{pad}{INDENT * (len(q) - 2 - k)}}}" for k in range(len(q) - 1)]
    return lines


def indent(text: str, levels: int) -> str:
    if levels <= 0:
        return text
    return "\n".join(INDENT * levels + line if line.strip() else line for line in text.split("\n"))
