"""Render a CProgram into the files of an HLS project."""

from __future__ import annotations

import shlex

import numpy as np

from hwq.backends.hls.code import CProgram
from hwq.backends.hls.compiler import CXXFLAGS, LIBFLAGS
from hwq.backends.hls.vector_files import format_vectors
from hwq.backends.templates import render

MIN_SAMPLES_PER_THREAD = 64


def render_project(prg: CProgram, include_dir: str, graph_json: str,
                   vectors: tuple[np.ndarray, np.ndarray]) -> dict[str, str]:
    """Every file of the project, by relative path; `vectors` are the concatenated input and output rows."""
    fl = prg.flavour
    ctx = dict(prg=prg, fl=fl, top_pragmas=fl.in_top(prg.arrays), min_per_thread=MIN_SAMPLES_PER_THREAD,
               cxxflags=" ".join(CXXFLAGS), libflags=" ".join(LIBFLAGS),
               make_include=include_dir.replace("$", "$$"), sh_include=shlex.quote(include_dir),
               n_vectors=len(vectors[0]), extra_headers=[])
    top = prg.top
    return {
        f"firmware/{top}_types.h": render("hls/types.h.j2", **ctx),
        f"firmware/{top}_params.h": render("hls/params.h.j2", **ctx),
        f"firmware/{top}.h": render("hls/top.h.j2", **ctx),
        f"firmware/{top}.cpp": render("hls/top.cpp.j2", **ctx),
        "csim/ports.h": render("hls/ports.h.j2", **ctx),
        "csim/bridge.cpp": render("hls/bridge.cpp.j2", **ctx),
        "tb/tb.cpp": render("hls/tb.cpp.j2", **ctx),
        "tb/input_mantissas.txt": format_vectors(vectors[0], f"input mantissas of {top} ({columns(prg.inputs)})"),
        "tb/output_mantissas.txt": format_vectors(vectors[1], f"expected output mantissas ({columns(prg.outputs)})"),
        "Makefile": render("hls/Makefile.j2", **ctx),
        "run_check.sh": render("hls/run_check.sh.j2", **ctx),
        "README.md": render("hls/README.md.j2", **ctx),
        "graph.json": graph_json,
    }


def columns(ports) -> str:
    """What the columns of a vectors file hold, port by port."""
    return "; ".join(f"columns {p.columns}: {p.value} {p.shape_text} {p.spelling}"
                     for p in ports)
