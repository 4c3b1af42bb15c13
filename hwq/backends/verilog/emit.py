"""emit_verilog: an IR graph -> a Verilog project folder, written all at once."""

from __future__ import annotations

from pathlib import Path

from hwq.backends.vectors import test_vectors
from hwq.backends.verilog.design import design
from hwq.backends.verilog.project import VerilogProject
from hwq.backends.verilog.render import check_files, rtl_files
from hwq.backends.writer import write_project
from hwq.ir import Graph
from hwq.passes.schedule import choose_io

CHECK_VECTORS = 256


def emit_verilog(graph: Graph, output_dir: str | Path, overwrite: bool = False, io: str = "auto") -> VerilogProject:
    """Render `graph` as a Verilog project in output_dir (an empty or new folder; a non-empty one only with
    overwrite=True).

    The project holds rtl/ (one module per node, the hwq_round and hwq_saturate helpers, the top
    module named after the graph), tb/ (test vectors from hwq.sim and a plain Verilog testbench),
    a Makefile that reruns the check without Python hwq, and graph.json.
    """
    graph.validate()
    if choose_io(graph, io) == "stream":
        raise ValueError(f"graph {graph.name!r}: streaming Verilog (io='stream') is not printed yet; pass "
                         "io='parallel'")
    d = design(graph)
    m_in, m_out = test_vectors(graph, CHECK_VECTORS)
    files = {**rtl_files(d), **check_files(d, m_in, m_out), "graph.json": graph.to_json() + "\n"}
    path = write_project(output_dir, files, overwrite=overwrite)
    return VerilogProject(graph, path, d.top, [p.name for p in d.inputs], [p.name for p in d.outputs])
