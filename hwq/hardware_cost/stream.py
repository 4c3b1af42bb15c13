"""Estimated resources of a streaming design (io="stream"): each stage computes one output pixel at a time, so
its arithmetic is the node's on one pixel (one window for conv and pool), plus its storage: line buffers,
row buffers, collected vectors and FIFOs (from hwq.passes.schedule), in block RAM when deep, else in LUTs used
as RAM, and the registers on every handshake."""

from __future__ import annotations

import math
from dataclasses import replace

from hwq.hardware_cost.estimate import GraphEstimate, NodeEstimate, estimate_node
from hwq.ir import Graph, Node, Value
from hwq.ir.local import local_node
from hwq.passes.schedule import NodePlan, schedule

BRAM_BITS = 36 * 1024  # one RAMB36
BRAM_MIN_DEPTH = 512  # shallower buffers go to LUT RAM (a synthesis tool's usual choice)
LUTRAM_BITS = 64  # bits per LUT used as RAM (RAM64X1)


def estimate_stream(graph: Graph, dsp: bool = False, parallelism: dict[str, int] | None = None) -> GraphEstimate:
    """`parallelism`: multiply-accumulates per clock by kernel node (hwq.passes.schedule), as emit takes it."""
    parallelism = parallelism or {}
    plan = schedule(graph, "stream", parallelism)
    values = graph.values()
    nodes = []
    for node, stage in zip(graph.nodes, plan.nodes, strict=True):
        local, ins = local_node(node, stage.kind, [values[name] for name in node.inputs]) \
            if stage.kind != "resample" else (_per_position(node), [])
        e = estimate_node(local, [values[name].type for name in node.inputs], dsp)
        e = replace(e, node=node.name, latency=stage.latency)
        out = plan.values[node.output.name]
        e.ffs += out.bits + 1  # the stage's output register and its valid
        if node.name in parallelism and stage.ii > 1:
            _slice(e, stage.ii, sum(plan.values[name].bits for name in node.inputs), out.bits)
        for depth, bits in _storage(node, stage, plan, values):
            _store(e, depth, bits)
        nodes.append(e)
    return GraphEstimate(nodes, output_ffs=0, latency=plan.latency)


def _slice(e: NodeEstimate, ii: int, in_bits: int, out_bits: int) -> None:
    """A kernel stage over ii clocks per position (hwq/backends/verilog/ops/sliced.py): about 1/ii of the
    products, each fed by a mux of operands and weights over the steps (a LUT per product bit, counted in the
    share), plus the held input, the finished slices and the step counter."""
    e.luts = math.ceil(e.luts / ii) + math.ceil(e.luts / ii / 4)
    e.dsps = math.ceil(e.dsps / ii)
    e.ffs += in_bits + out_bits + max((ii - 1).bit_length(), 1)


def _per_position(node: Node) -> Node:
    """The node on one output pixel: its output (1, ..., 1, channels); a pool's op count per pixel."""
    shape = (*([1] * (len(node.output.shape) - 1)), node.output.shape[-1])
    attrs = dict(node.attrs)
    if "op_count" in attrs:
        attrs["op_count"] = attrs["op_count"] // max(math.prod(node.output.shape[:-1]), 1)
    return replace(node, output=replace(node.output, shape=shape), attrs=attrs)


def _storage(node: Node, stage: NodePlan, plan, values: dict[str, Value]) -> list[tuple[int, int]]:
    """(depth, width) of each memory the stage holds: its buffer, and the FIFO in front of each input."""
    memories = []
    if stage.buffer_pixels and stage.kind != "collect":  # a collected vector sits in the output register
        width = stage.buffer_bits // stage.buffer_pixels
        memories.append((stage.buffer_pixels, width))
    for name, depth in zip(node.inputs, stage.fifo_depths, strict=True):
        if depth:
            memories.append((depth, plan.values[name].bits))
    return memories


def _store(e: NodeEstimate, depth: int, width: int) -> None:
    if depth >= BRAM_MIN_DEPTH:
        e.brams += math.ceil(depth * width / BRAM_BITS * 2) / 2  # whole RAMB18 halves
    else:
        e.lutrams += math.ceil(depth / LUTRAM_BITS) * width
