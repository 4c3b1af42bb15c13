"""Many hwq designs in one Verilator build: a test-only wrapper that runs them side by side.

A Verilator build costs seconds; a design with one quantize node costs almost nothing on top. So
the tests put many graphs' RTL behind one wrapper top with the ports hwq_stream drives: in_data is
the concatenation of every design's input ports (graph 0 in the low bits), out_data that of the outputs.
Each design keeps its own generated top module, so the RTL under test is exactly what emit writes.
With `pipeline`, each design is cut into register stages of its own (hwq.passes.stages); an int gives every
design the same latency, so their out_valid bits stay in step.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hwq.backends.verilog import verilator
from hwq.backends.verilog.design import design
from hwq.backends.verilog.render import rtl_files
from hwq.backends.verilog.vectors import pack_ports, read_hex, unpack_ports
from hwq.ir import Graph
from hwq.passes.stages import plan_pipeline
from hwq.sim import simulate_mantissas

TOP = "bundle"


def write_bundle(graphs: list[Graph], folder: Path, pipeline: int | None = None) -> list[Path]:
    """Write every graph's RTL and the wrapper into folder; return the sources in compile order."""
    files: dict[str, str] = {}
    tops = []
    for g in graphs:
        d = design(g, None if pipeline is None else plan_pipeline(g, pipeline))
        tops.append(d)
        files.update(rtl_files(d))  # the helpers are the same text in every design
    files.pop("rtl/files.f")
    files[f"rtl/{TOP}.v"] = _wrapper(tops)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    helpers = [folder / "rtl/hwq_round.v", folder / "rtl/hwq_saturate.v"]
    return helpers + [folder / n for n in files if folder / n not in helpers]


def _wrapper(designs) -> str:
    n_in = sum(p.bits for d in designs for p in d.inputs)
    n_out = sum(p.bits for d in designs for p in d.outputs)
    lines = [f"module {TOP} (input wire clk, input wire rst, input wire in_valid, input wire [{n_in - 1}:0] in_data,",
             f"    output wire out_valid, output wire [{n_out - 1}:0] out_data);",
             f"    wire [{len(designs) - 1}:0] valid;"]
    lo_in = lo_out = 0
    for k, d in enumerate(designs):
        pins = []
        for p in d.inputs:
            pins.append(f".{p.name}(in_data[{lo_in + p.bits - 1}:{lo_in}])")
            lo_in += p.bits
        for p in d.outputs:
            pins.append(f".{p.name}(out_data[{lo_out + p.bits - 1}:{lo_out}])")
            lo_out += p.bits
        lines.append(f"    {d.top} u{k} (.clk(clk), .rst(rst), .in_valid(in_valid), .out_valid(valid[{k}]), "
                     f"{', '.join(pins)});")
    lines += ["    assign out_valid = &valid;", "endmodule", ""]
    return "\n".join(lines)


def run_bundle(graphs: list[Graph], inputs: list, folder: Path, pipeline: int | None = None,
               gaps: float = 0.0) -> list:
    """Build the bundle with Verilator, stream inputs[k] (mantissas: an array, or a list of arrays for a graph
    of several inputs; equal batch sizes) into graph k through hwq's cocotb testbench, and return each graph's
    output mantissas (a list of arrays for a graph of several outputs). `pipeline`: register stages of every
    design; `gaps`: the share of clocks with in_valid low. Every result must come `pipeline` clocks (or 1) after
    its input."""
    sources = write_bundle(graphs, folder, pipeline)
    build = folder / "sim_build"
    verilator.build(sources, TOP, build)
    ports = [m for m in inputs for m in (m if isinstance(m, list) else [m])]
    widths = [v.type.width for g in graphs for v in g.inputs]
    batch = len(ports[0])
    assert all(len(m) == batch for m in ports)
    with tempfile.TemporaryDirectory(dir=build) as tmp:
        work = Path(tmp)
        (work / "in.hex").write_text("".join(f"{w:x}\n" for w in pack_ports(ports, widths)))
        latency = pipeline or 1
        verilator.run_test("hwq_stream", TOP, build, work,
                           {"HWQ_STREAM_IN": str(work / "in.hex"), "HWQ_STREAM_OUT": str(work / "out.hex"),
                            "HWQ_STREAM_LATENCY": str(latency), "HWQ_STREAM_GAPS": f"{gaps:g}",
                            "HWQ_STREAM_CLOCKS": str(work / "clocks.txt")})
        out = read_hex((work / "out.hex").read_text())
        clocks = {int(c) for c in (work / "clocks.txt").read_text().split()}
    assert len(out) == batch, f"{batch} vectors in, {len(out)} out"
    assert clocks == {latency}, f"results {sorted(clocks)} clocks after their inputs, not {latency}"
    flat = unpack_ports(out, [(v.size, v.type.width, v.type.signed) for g in graphs for v in g.output_values])
    results = []
    for g in graphs:
        mine, flat = flat[:len(g.outputs)], flat[len(g.outputs):]
        results.append(mine[0] if len(mine) == 1 else mine)
    return results


def expected(graphs: list[Graph], inputs: list) -> list:
    return [simulate_mantissas(g, m) for g, m in zip(graphs, inputs, strict=True)]
