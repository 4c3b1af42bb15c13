"""Backends: printers from the annotated IR to HLS C++ or Verilog projects."""

from __future__ import annotations

import copy
from pathlib import Path

from hwq.backends.project import Project
from hwq.backends.writer import write_project
from hwq.ir import Graph

BACKENDS = ("vitis", "catapult", "verilog")


def emit(graph: Graph, output_dir: str | Path, backend: str = "vitis", overwrite: bool = False,
         io: str = "auto", parallelism: dict[str, int] | None = None, multipliers: str | None = None,
         pipeline: int | dict[str, int] = 1, adders: str | None = None) -> Project:
    """Render `graph` as a project in `output_dir` for `backend` ('vitis', 'catapult' or 'verilog').

    `io` picks the architecture: "parallel" (every value at once), "stream" (images as pixel streams, see
    hwq.passes.schedule) or "auto" (stream when the graph's feature maps are large). The backend's pass
    pipeline (hwq.passes.PIPELINES) runs first, on a copy: the caller's graph is kept. An existing empty
    folder is written into; a non-empty one is refused unless overwrite=True. `parallelism`: multiply-accumulates
    per clock by node name for a stream design's kernel stages (hwq.passes.schedule.schedule). `multipliers`:
    how dense, conv and affine nodes form their constant products, "shift_add" (shared shift-add graphs, proven
    exact: hwq.cmvm; Verilog's default) or "direct" (sums of constant products left to the tool). `pipeline`
    (Verilog, io="parallel"): the top's register stages, an int (1: combinational, the outputs registered once) or
    {"max_depth": d} adder levels per stage; the latency is one clock per stage (hwq.passes.stages). `adders`
    (Verilog, shift-add form): "ternary" (the default: three words per adder through Xilinx LUT6_2 and CARRY4
    cells, hwq_add3) or "binary" (portable Verilog `+` of two words, for other FPGA families and ASICs).
    """
    from hwq.passes import PIPELINES, run_passes

    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if pipeline != 1 and backend != "verilog":
        raise ValueError(f"pipeline={pipeline!r}: register stages are the Verilog backend's; an HLS tool pipelines "
                         "the design itself")
    if adders is not None and backend != "verilog":
        raise ValueError(f"adders={adders!r}: the adders are the Verilog backend's; an HLS tool builds its own")
    graph.validate()
    passes = PIPELINES[backend]
    if multipliers is not None:
        from hwq.passes.constant_form import constant_form

        passes = [constant_form(multipliers), *passes]  # first: the pipeline then keeps it, builds nothing twice
    if adders is not None:
        from hwq.passes.constant_form import adder_form

        passes = [adder_form(adders), *passes]
    if passes:
        graph = run_passes(copy.deepcopy(graph), passes)
    if backend in ("vitis", "catapult"):
        from hwq.backends.hls import emit_hls

        return emit_hls(graph, output_dir, flavour=backend, overwrite=overwrite, io=io, parallelism=parallelism)
    from hwq.backends.verilog import emit_verilog

    extra = {"parallelism": parallelism} if parallelism else {}
    if pipeline != 1:
        extra["pipeline"] = pipeline
    return emit_verilog(graph, output_dir, overwrite=overwrite, io=io, **extra)


def open_project(path: str | Path) -> Project:
    """A project emitted earlier, as it is on disk: an HLS project (its project.json) or a Verilog one (rtl/)."""
    path = Path(path)
    if (path / "project.json").is_file():
        from hwq.backends.hls import HLSProject

        return HLSProject.open(path)
    if (path / "rtl" / "files.f").is_file() and (path / "graph.json").is_file():
        from hwq.backends.verilog import VerilogProject

        return VerilogProject.open(path)
    raise ValueError(f"{path}: not an hwq project (no project.json, nor rtl/files.f with graph.json)")


__all__ = ["emit", "open_project", "Project", "write_project", "BACKENDS"]
