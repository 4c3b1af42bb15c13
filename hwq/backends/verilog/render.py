"""Render a Design into the files of a Verilog project (templates in templates/verilog, through the one
Jinja environment of hwq.backends.templates)."""

from __future__ import annotations

import numpy as np

from hwq.backends.templates import render
from hwq.backends.verilog.design import Design
from hwq.backends.verilog.round_rules import ROUND_RULES
from hwq.backends.verilog.vectors import hex_lines, pack_ports
from hwq.resources import templates_dir

SIM_MODELS = "sim/xilinx_cells.v"  # the Xilinx cells hwq_add3 instantiates, modelled for simulation only


def helper_files() -> dict[str, str]:
    """rtl/hwq_round.v, rtl/hwq_saturate.v and rtl/hwq_add3.v, which node modules instantiate, and the simulation
    models of the cells hwq_add3 instantiates (sim/, outside rtl/files.f: a synthesis tool maps the cells)."""
    mode_chars = max(len(r.mode) for r in ROUND_RULES)
    verilog = templates_dir() / "verilog"
    return {"rtl/hwq_round.v": render("verilog/hwq_round.v.j2", rules=ROUND_RULES, mode_chars=mode_chars),
            "rtl/hwq_saturate.v": render("verilog/hwq_saturate.v.j2"),
            "rtl/hwq_add3.v": (verilog / "rtl" / "hwq_add3.v").read_text(),
            SIM_MODELS: (verilog / SIM_MODELS).read_text()}


def rtl_files(d: Design) -> dict[str, str]:
    """rtl/<module>.v for every module, and rtl/files.f listing them in compile order."""
    files = helper_files()
    for view in d.nodes:
        files[f"rtl/{view.module}.v"] = render(view.template, v=view)
    files[f"rtl/{d.top}.v"] = render("verilog/top.v.j2", d=d)
    files["rtl/files.f"] = "".join(f"rtl/{m}.v\n" for m in d.modules)
    return files


def check_files(d: Design, m_in: list[np.ndarray], m_out: list[np.ndarray]) -> dict[str, str]:
    """The standalone check: test vectors (every port of a vector on one line), tb/tb.sv and the Makefile."""
    rtl = [f"rtl/{m}.v" for m in d.modules]
    n = len(m_in[0])
    in_bits, out_bits = sum(p.bits for p in d.inputs), sum(p.bits for p in d.outputs)
    return {"tb/input.hex": hex_lines(pack_ports(m_in, [p.width for p in d.inputs]), in_bits),
            "tb/expected.hex": hex_lines(pack_ports(m_out, [p.width for p in d.outputs]), out_bits),
            "tb/tb.sv": render("verilog/tb.sv.j2", d=d, n_vectors=n, in_bits=in_bits, out_bits=out_bits,
                               in_word=_concat([p.name for p in d.inputs]),
                               out_word=_concat([p.name for p in d.outputs])),
            "Makefile": render("verilog/Makefile.j2", d=d, n_vectors=n, files=[*rtl, SIM_MODELS])}


def _concat(ports: list[str]) -> str:
    """The ports as one word, port 0 in the low bits: `{b, a}` (or the one port's name)."""
    return ports[0] if len(ports) == 1 else "{" + ", ".join(reversed(ports)) + "}"
