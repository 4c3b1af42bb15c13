"""Backends: printers from the annotated IR to HLS C++ or Verilog projects."""

from __future__ import annotations

from pathlib import Path

from hwq.backends.project import Project, write_project
from hwq.ir import Graph

BACKENDS = ("vitis", "catapult", "verilog")


def emit(graph: Graph, output_dir: str | Path, backend: str = "vitis", overwrite: bool = False) -> Project:
    """Render `graph` as a project in `output_dir` for `backend` ('vitis', 'catapult' or 'verilog')."""
    graph.validate()
    if backend in ("vitis", "catapult"):
        from hwq.backends.hls import emit_hls

        return emit_hls(graph, output_dir, flavour=backend, overwrite=overwrite)
    if backend == "verilog":
        from hwq.backends.verilog import emit_verilog

        return emit_verilog(graph, output_dir, overwrite=overwrite)
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


__all__ = ["emit", "Project", "write_project", "BACKENDS"]
