"""The Verilog stream stages' per-position nodes (hwq.ir.local): a pixel as (1, ..., 1, channels), a window as
the taps hwq_window gathers (dilation 1); and the geometry of their windows and buffers, as the RTL builds them."""

from __future__ import annotations

from hwq.ir import Node, Value
from hwq.ir.local import local_node as _local_node
from hwq.ir.local import window_of
from hwq.passes.schedule import NodePlan, ScheduleError, ValuePlan


def local_node(node: Node, kind: str, inputs: list[Value]) -> tuple[Node, list[Value]]:
    return _local_node(node, kind, inputs, keep_rank=True, gathered=True)


def buffer_note(node: Node, np_: NodePlan, values: dict[str, ValuePlan]) -> str:
    """The storage a stage holds, as the RTL builds it."""
    x = values[node.inputs[0]]
    if np_.kind == "window":
        w = window_of(node)
        size, dilation = pair(w.size), pair(w.dilation)
        pw = grid2(x.grid, node)[1] + sum(w.padding[-1])
        rows, cols = (size[0] - 1) * dilation[0], (size[1] - 1) * dilation[1]
        pixels = rows * pw + cols * size[0]
        return (f"line buffer {rows} x {pw} px + window registers {cols} x {size[0]} px = {pixels} px "
                f"({pixels * x.bits} bits)")
    if np_.kind == "resample" and node.op == "upsample" and pair(node.attrs["size"][:-1])[0] > 1:
        w = grid2(x.grid, node)[1]
        return f"row buffer {w} px ({w * x.bits} bits)"
    if np_.kind == "collect":
        held = sum(values[n].bits * (values[n].transfers - 1) for n in node.inputs if values[n].form == "stream")
        return f"collects {sum(values[n].transfers for n in node.inputs if values[n].form == 'stream')} px " \
               f"({held} bits held)"
    return "no buffer"


def grid2(grid: tuple[int, ...], node: Node) -> tuple[int, int]:
    """A 1-D or 2-D grid as (rows, columns): a 1-D stream is one row."""
    if len(grid) not in (1, 2):
        raise ScheduleError(f"node {node.name!r} ({node.op}): streaming Verilog has windows and resamplers over 1 "
                            f"or 2 spatial axes; this stream's grid is {grid}")
    return (1, grid[0]) if len(grid) == 1 else (grid[0], grid[1])


def pair(values) -> tuple[int, int]:
    """Per-axis settings of a 1-D or 2-D window as (rows, columns)."""
    values = tuple(values)
    return (1, values[0]) if len(values) == 1 else (values[0], values[1])


__all__ = ["local_node", "window_of", "buffer_note", "grid2", "pair"]
