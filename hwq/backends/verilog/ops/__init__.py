"""Every IR op as a Verilog node module: {op name: view function}, one file per op.

A view function `(node, module name, input values) -> NodeView` decides every width, slice and
literal in Python; templates/verilog/ops/<op>.v.j2 only lays the view out. A new op adds its file
here, its template, and one entry in VIEWS.
"""

from __future__ import annotations

from collections.abc import Callable

from hwq.backends.verilog.ops.add import add_view
from hwq.backends.verilog.ops.affine import affine_view
from hwq.backends.verilog.ops.base import NodeView
from hwq.backends.verilog.ops.concatenate import concatenate_view
from hwq.backends.verilog.ops.conv import conv_view
from hwq.backends.verilog.ops.crop import crop_view
from hwq.backends.verilog.ops.dense import dense_view
from hwq.backends.verilog.ops.multiply import multiply_view
from hwq.backends.verilog.ops.pad import pad_view
from hwq.backends.verilog.ops.pool import pool_view
from hwq.backends.verilog.ops.quantize import quantize_view
from hwq.backends.verilog.ops.relu import relu_view
from hwq.backends.verilog.ops.reshape import reshape_view
from hwq.backends.verilog.ops.scale import scale_view
from hwq.backends.verilog.ops.subtract import subtract_view
from hwq.backends.verilog.ops.table import table_view
from hwq.backends.verilog.ops.transpose import transpose_view
from hwq.backends.verilog.ops.upsample import upsample_view
from hwq.ir import Graph, Node, Value
from hwq.passes.unroll import unroll_recurrences

ViewFunction = Callable[[Node, str, list[Value]], NodeView]

VIEWS: dict[str, ViewFunction] = {
    "dense": dense_view,
    "quantize": quantize_view,
    "relu": relu_view,
    "table": table_view,
    "add": add_view,
    "subtract": subtract_view,
    "multiply": multiply_view,
    "concatenate": concatenate_view,
    "reshape": reshape_view,
    "transpose": transpose_view,
    "scale": scale_view,
    "conv": conv_view,
    "pool": pool_view,
    "affine": affine_view,
    "pad": pad_view,
    "crop": crop_view,
    "upsample": upsample_view,
}

# ops the backend prints as the other ops a pass rewrites them into: a loop over time as its steps (the top computes
# one inference per clock, so each step is its own circuit)
REWRITES: dict[str, Callable[[Graph], Graph]] = {
    "recurrence": unroll_recurrences,
}


def rewritten(graph: Graph) -> Graph:
    """graph with every op in REWRITES rewritten (the graph itself when it has none)."""
    for op, rewrite in REWRITES.items():
        if any(n.op == op for n in graph.nodes):
            graph = rewrite(graph)
    return graph


__all__ = ["VIEWS", "REWRITES", "NodeView", "ViewFunction", "rewritten"]
