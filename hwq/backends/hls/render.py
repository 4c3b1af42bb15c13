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
    pragmas = prg.flavour.in_top(prg.arrays, prg.pipelined)
    return project_files(prg, include_dir, graph_json, vectors, "hls", top_pragmas=pragmas, extra_headers=[])


def project_files(prg, include_dir: str, graph_json: str, vectors: tuple[np.ndarray, np.ndarray], folder: str,
                  **extra) -> dict[str, str]:
    """The files every HLS project has: the design's own templates from `folder` ("hls" or "hls/stream"), the
    harness (params, bridge, testbench, Makefile, check script) shared by both; `extra` goes to the templates."""
    ctx = dict(prg=prg, fl=prg.flavour, min_per_thread=MIN_SAMPLES_PER_THREAD, cxxflags=" ".join(CXXFLAGS),
               libflags=" ".join(LIBFLAGS), make_include=include_dir.replace("$", "$$"),
               sh_include=shlex.quote(include_dir), n_vectors=len(vectors[0]), **extra)
    top = prg.top
    return {
        f"firmware/{top}_types.h": render(f"{folder}/types.h.j2", **ctx),
        f"firmware/{top}_params.h": render("hls/params.h.j2", **ctx),
        f"firmware/{top}.h": render(f"{folder}/top.h.j2", **ctx),
        f"firmware/{top}.cpp": render(f"{folder}/top.cpp.j2", **ctx),
        "csim/ports.h": render(f"{folder}/ports.h.j2", **ctx),
        "csim/bridge.cpp": render("hls/bridge.cpp.j2", **ctx),
        "tb/tb.cpp": render("hls/tb.cpp.j2", **ctx),
        "tb/input_mantissas.txt": format_vectors(vectors[0], f"input mantissas of {top} ({columns(prg.inputs)})"),
        "tb/output_mantissas.txt": format_vectors(vectors[1], f"expected output mantissas ({columns(prg.outputs)})"),
        "Makefile": render("hls/Makefile.j2", **ctx),
        "run_check.sh": render("hls/run_check.sh.j2", **ctx),
        "README.md": render(f"{folder}/README.md.j2", **ctx),
        "graph.json": graph_json,
    }


def columns(ports) -> str:
    """What the columns of a vectors file hold, port by port."""
    return "; ".join(f"columns {p.columns}: {p.value} {p.shape_text} {p.spelling}"
                     for p in ports)
