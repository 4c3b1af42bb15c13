"""Many hwq designs in one Verilator build: a test-only wrapper that runs them side by side.

A Verilator build costs seconds; a design with one quantize node costs almost nothing on top. So
the tests put many graphs' RTL behind one wrapper top with the ports hwq_stream drives: in_data is
the concatenation of every design's input (graph 0 in the low bits), out_data that of the outputs.
Each design keeps its own generated top module, so the RTL under test is exactly what emit writes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from hwq.backends.verilog import verilator
from hwq.backends.verilog.design import design
from hwq.backends.verilog.render import rtl_files
from hwq.backends.verilog.vectors import pack_hex, read_hex, unpack
from hwq.ir import Graph
from hwq.sim import simulate_mantissas

TOP = "bundle"


def write_bundle(graphs: list[Graph], folder: Path) -> list[Path]:
    """Write every graph's RTL and the wrapper into folder; return the sources in compile order."""
    files: dict[str, str] = {}
    tops = []
    for g in graphs:
        d = design(g)
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
    n_in = sum(d.input.bits for d in designs)
    n_out = sum(d.output.bits for d in designs)
    lines = [f"module {TOP} (input wire clk, input wire rst, input wire in_valid, input wire [{n_in - 1}:0] in_data,",
             f"    output wire out_valid, output wire [{n_out - 1}:0] out_data);",
             f"    wire [{len(designs) - 1}:0] valid;"]
    lo_in = lo_out = 0
    for k, d in enumerate(designs):
        lines.append(f"    {d.top} u{k} (.clk(clk), .rst(rst), .in_valid(in_valid), "
                     f".in_data(in_data[{lo_in + d.input.bits - 1}:{lo_in}]), .out_valid(valid[{k}]), "
                     f".out_data(out_data[{lo_out + d.output.bits - 1}:{lo_out}]));")
        lo_in, lo_out = lo_in + d.input.bits, lo_out + d.output.bits
    lines += ["    assign out_valid = &valid;", "endmodule", ""]
    return "\n".join(lines)


def run_bundle(graphs: list[Graph], inputs: list[np.ndarray], folder: Path) -> list[np.ndarray]:
    """Build the bundle with Verilator, stream inputs[k] (mantissas, equal batch sizes) into graph k
    through hwq's cocotb testbench, and return each graph's output mantissas."""
    sources = write_bundle(graphs, folder)
    build = folder / "sim_build"
    verilator.build(sources, TOP, build)
    batch = len(inputs[0])
    words = [0] * batch
    shift = 0
    for g, m in zip(graphs, inputs, strict=True):
        assert len(m) == batch
        for row, w in enumerate(read_hex(pack_hex(m, g.input.type.width))):
            words[row] |= w << shift
        shift += g.input.size * g.input.type.width
    with tempfile.TemporaryDirectory(dir=build) as tmp:
        work = Path(tmp)
        (work / "in.hex").write_text("".join(f"{w:x}\n" for w in words))
        verilator.run_test("hwq_stream", TOP, build, work,
                           {"HWQ_STREAM_IN": str(work / "in.hex"), "HWQ_STREAM_OUT": str(work / "out.hex")})
        out = read_hex((work / "out.hex").read_text())
    assert len(out) == batch, f"{batch} vectors in, {len(out)} out"
    results, shift = [], 0
    for g in graphs:
        o = g.output
        bits = o.size * o.type.width
        results.append(unpack([(w >> shift) & ((1 << bits) - 1) for w in out], o.size, o.type.width, o.type.signed))
        shift += bits
    return results


def expected(graphs: list[Graph], inputs: list[np.ndarray]) -> list[np.ndarray]:
    return [simulate_mantissas(g, m) for g, m in zip(graphs, inputs, strict=True)]
