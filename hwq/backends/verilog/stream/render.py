"""Render a StreamDesign into the files of a Verilog project: the RTL (the round/saturate helpers, the hand-written
primitives copied from templates/verilog/rtl/, one module per node's arithmetic, the top) and the standalone check
(test vectors, tb/tb.sv streaming them through the AXI4-Stream ports, the Makefile)."""

from __future__ import annotations

import json

import numpy as np

from hwq.backends.templates import render
from hwq.backends.verilog.render import SIM_MODELS, helper_files
from hwq.backends.verilog.stream.design import PRIMITIVES, StreamDesign
from hwq.backends.verilog.vectors import hex_lines, pack_ports
from hwq.resources import templates_dir

GAP = STALL = 64  # the standalone testbench holds tvalid / tready low at about 64 clocks in 256


def primitive_sources() -> dict[str, str]:
    """rtl/<primitive>.v: the hand-written primitives, as they are."""
    folder = templates_dir() / "verilog" / "rtl"
    return {f"rtl/{name}.v": (folder / f"{name}.v").read_text() for name in PRIMITIVES}


def rtl_files(d: StreamDesign) -> dict[str, str]:
    """rtl/<module>.v for every module, and rtl/files.f listing them in compile order."""
    files = {**helper_files(), **primitive_sources()}
    for view in d.nodes:
        files[f"rtl/{view.module}.v"] = render(view.template, v=view)
    files[f"rtl/{d.top}.v"] = render("verilog/stream/top.v.j2", d=d)
    files["rtl/files.f"] = "".join(f"rtl/{m}.v\n" for m in d.modules)
    return files


def check_files(d: StreamDesign, m_in: list[np.ndarray], m_out: list[np.ndarray]) -> dict[str, str]:
    """The standalone check: one image per line (every port's whole value side by side), tb/tb.sv, the Makefile
    and schedule.json."""
    n = len(m_in[0])
    in_bits = sum(p.bits * p.transfers for p in d.inputs)
    out_bits = sum(p.bits * p.transfers for p in d.outputs)
    plan = d.schedule
    longest = max([plan.clocks_per_image, *(p.transfers for p in d.inputs + d.outputs)])
    limit = 8 * (n + 2) * longest + 4 * plan.latency + 1000
    return {"tb/input.hex": hex_lines(pack_ports(m_in, [p.element_bits for p in d.inputs]), in_bits),
            "tb/expected.hex": hex_lines(pack_ports(m_out, [p.element_bits for p in d.outputs]), out_bits),
            "tb/tb.sv": render("verilog/stream/tb.sv.j2", d=d, n_images=n, in_bits=in_bits, out_bits=out_bits,
                               limit=limit, gap=GAP, stall=STALL),
            "Makefile": render("verilog/Makefile.j2", d=d, n_vectors=n, unit="images",
                               files=[*(f"rtl/{m}.v" for m in d.modules), SIM_MODELS]),
            "schedule.json": json.dumps(plan.to_dict(), indent=1) + "\n"}


__all__ = ["rtl_files", "check_files", "primitive_sources"]
