"""Render a Design into the files of a Verilog project (templates in templates/verilog)."""

from __future__ import annotations

from functools import lru_cache

import jinja2
import numpy as np

from hwq.backends.verilog.design import Design
from hwq.backends.verilog.round_rules import ROUND_RULES
from hwq.backends.verilog.vectors import pack_hex
from hwq.resources import templates_dir


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "verilog")),
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True, autoescape=False)


def rtl_files(d: Design) -> dict[str, str]:
    """rtl/<module>.v for every module, and rtl/files.f listing them in compile order."""
    env = environment()
    mode_chars = max(len(r.mode) for r in ROUND_RULES)
    files = {"rtl/hwq_round.v": env.get_template("hwq_round.v.j2").render(rules=ROUND_RULES, mode_chars=mode_chars),
             "rtl/hwq_saturate.v": env.get_template("hwq_saturate.v.j2").render()}
    for view in d.nodes:
        files[f"rtl/{view.module}.v"] = env.get_template(f"{view.op}.v.j2").render(v=view)
    files[f"rtl/{d.top}.v"] = env.get_template("top.v.j2").render(d=d)
    files["rtl/files.f"] = "".join(f"rtl/{m}.v\n" for m in d.modules)
    return files


def check_files(d: Design, m_in: np.ndarray, m_out: np.ndarray) -> dict[str, str]:
    """The standalone check: test vectors, tb/tb.sv and the Makefile that runs it."""
    env = environment()
    rtl = [f"rtl/{m}.v" for m in d.modules]
    n = len(m_in)
    return {"tb/input.hex": pack_hex(m_in, d.input.type.width),
            "tb/expected.hex": pack_hex(m_out, d.output.type.width),
            "tb/tb.sv": env.get_template("tb.sv.j2").render(d=d, n_vectors=n),
            "Makefile": env.get_template("Makefile.j2").render(d=d, n_vectors=n, files=rtl)}
