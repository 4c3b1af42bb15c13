"""emit_verilog: an IR graph -> a Verilog project folder, written all at once."""

from __future__ import annotations

import json
from pathlib import Path

from hwq.backends.vectors import test_vectors
from hwq.backends.verilog.design import design
from hwq.backends.verilog.ops import rewritten
from hwq.backends.verilog.project import PIPELINE_FILE, VerilogProject
from hwq.backends.verilog.render import check_files, rtl_files
from hwq.backends.writer import write_project
from hwq.ir import Graph
from hwq.passes.schedule import choose_io, schedule
from hwq.passes.stages import PipelineSetting, check_setting

CHECK_VECTORS = 256


def emit_verilog(graph: Graph, output_dir: str | Path, overwrite: bool = False, io: str = "auto",
                 parallelism: dict[str, int] | None = None, pipeline: PipelineSetting = 1) -> VerilogProject:
    """Render `graph` as a Verilog project in output_dir (an empty or new folder; a non-empty one only with
    overwrite=True).

    The project holds rtl/ (one module per node, the hwq_round and hwq_saturate helpers, the top
    module named after the graph), tb/ (test vectors from hwq.sim and a plain Verilog testbench),
    a Makefile that reruns the check without Python hwq, and graph.json.

    io: "parallel" (every value at once), "stream" (AXI4-Stream ports, one pixel per transfer: see
    hwq.backends.verilog.stream) or "auto" (the schedule's choice, hwq.passes.schedule.choose_io).

    parallelism: multiply-accumulates per clock by dense, conv or affine node name (hwq.passes.schedule): a
    streaming stage computes each output position over ceil(full / parallelism) clocks with fewer multipliers.
    The parallel top computes everything at once, so there it must be full (or not given).

    pipeline (io="parallel"): the parallel top's register stages (hwq.passes.stages), an int (1, the default: the
    datapath combinational, the outputs registered once) or {"max_depth": d}: at most d adder levels per stage.
    The latency in clocks is the number of stages; a pipelined project says so in pipeline.json.
    """
    graph = rewritten(graph.validate())
    check_setting(pipeline)
    io = choose_io(graph, io)
    if io == "stream":
        if pipeline != 1:
            schedule(graph, io, parallelism, pipeline)  # the schedule's error: streams register every stage
        from hwq.backends.verilog.stream import emit_stream

        return emit_stream(graph, output_dir, overwrite=overwrite, parallelism=parallelism)
    if parallelism or pipeline != 1:
        # an invalid setting, or a parallelism below full, is the schedule's error
        plan = schedule(graph, io, parallelism, None if pipeline == 1 else pipeline).pipeline
    else:
        plan = None
    d = design(graph, plan)
    m_in, m_out = test_vectors(graph, CHECK_VECTORS)
    files = {**rtl_files(d), **check_files(d, m_in, m_out), "graph.json": graph.to_json() + "\n"}
    if d.latency > 1:
        files[PIPELINE_FILE] = json.dumps(plan.to_dict(), indent=1) + "\n"
    path = write_project(output_dir, files, overwrite=overwrite)
    return VerilogProject(graph, path, d.top, [p.name for p in d.inputs], [p.name for p in d.outputs], d.latency)
