"""Streaming Verilog (io="stream"): the graph as stages over pixel streams, with AXI4-Stream ports.

design.py decides the top (stages from hand-written primitives plus each node's arithmetic, printed by the
parallel views on one position: local.py), render.py writes the files, project.py runs images through the
AXI4-Stream ports with cocotb and cocotbext-axi.
"""

from __future__ import annotations

from pathlib import Path

from hwq.backends.vectors import test_vectors
from hwq.backends.verilog.stream.design import StreamDesign, stream_design
from hwq.backends.verilog.stream.project import StreamProject, StreamRun
from hwq.backends.verilog.stream.render import check_files, rtl_files
from hwq.backends.writer import write_project
from hwq.ir import Graph
from hwq.passes.schedule import schedule

CHECK_IMAGES = 256


def emit_stream(graph: Graph, output_dir: str | Path, overwrite: bool = False,
                parallelism: dict[str, int] | None = None) -> StreamProject:
    """Render `graph` as a streaming Verilog project in output_dir: rtl/ (the top named after the graph, one
    module per node's arithmetic, the primitives and helpers), tb/ (CHECK_IMAGES images of test vectors and an
    AXI4-Stream testbench), a Makefile that reruns the check without Python hwq, graph.json and schedule.json.

    parallelism: multiply-accumulates per clock by dense, conv or affine node (hwq.passes.schedule); a node given
    fewer than its full output pixel computes each position over ii clocks with fewer multipliers
    (ops/sliced.py). None: every one at full parallelism."""
    graph.validate()
    plan = schedule(graph, "stream", parallelism)
    d = stream_design(graph, plan)
    m_in, m_out = test_vectors(graph, CHECK_IMAGES)
    files = {**rtl_files(d), **check_files(d, m_in, m_out), "graph.json": graph.to_json() + "\n"}
    path = write_project(output_dir, files, overwrite=overwrite)
    return StreamProject(graph, path, d.top, d.inputs, d.outputs, parallelism=parallelism or {})


def stage_modules(graph: Graph, parallelism: dict[str, int] | None = None) -> tuple[str, dict[str, str]]:
    """The streaming top's name and the module of each node's arithmetic (a pad, crop or upsample stage has
    none: it is wiring and a primitive in the top)."""
    d = stream_design(graph, schedule(graph, "stream", parallelism))
    return d.top, dict(d.node_modules)


__all__ = ["emit_stream", "stream_design", "stage_modules", "StreamDesign", "StreamProject", "StreamRun"]
