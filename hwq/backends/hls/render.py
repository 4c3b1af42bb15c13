"""Render a CProgram into the files of an HLS project."""

from __future__ import annotations

import shlex

import numpy as np

from hwq.backends.hls.compiler import CXXFLAGS, LIBFLAGS
from hwq.backends.hls.model import CProgram
from hwq.backends.hls.templates import loop_opener, render
from hwq.backends.hls.vectors import format_vectors

MIN_SAMPLES_PER_THREAD = 64


def render_project(prg: CProgram, include_dir: str, graph_json: str,
                   vectors: tuple[np.ndarray, np.ndarray], input_spelling: str, output_spelling: str) -> dict[str, str]:
    """Every file of the project, by relative path."""
    fl = prg.flavour
    arrays = [prg.input.array.name, prg.output.array.name] + [a.name for a in prg.locals]
    ctx = dict(prg=prg, fl=fl, loop=loop_opener(fl), top_pragmas=fl.in_top(arrays),
               min_per_thread=MIN_SAMPLES_PER_THREAD, cxxflags=" ".join(CXXFLAGS), libflags=" ".join(LIBFLAGS),
               make_include=include_dir.replace("$", "$$"), sh_include=shlex.quote(include_dir),
               n_vectors=len(vectors[0]), input_spelling=input_spelling, output_spelling=output_spelling)
    top = prg.top
    return {
        f"firmware/{top}_types.h": render("types.h.j2", **ctx),
        f"firmware/{top}_params.h": render("params.h.j2", **ctx),
        f"firmware/{top}.h": render("top.h.j2", **ctx),
        f"firmware/{top}.cpp": render("top.cpp.j2", **ctx),
        "csim/ports.h": render("ports.h.j2", **ctx),
        "csim/bridge.cpp": render("bridge.cpp.j2", **ctx),
        "tb/tb.cpp": render("tb.cpp.j2", **ctx),
        "tb/input_mantissas.txt": format_vectors(vectors[0], f"input mantissas of {top} ({input_spelling})"),
        "tb/output_mantissas.txt": format_vectors(vectors[1], f"expected output mantissas ({output_spelling})"),
        "Makefile": render("Makefile.j2", **ctx),
        "run_check.sh": render("run_check.sh.j2", **ctx),
        "README.md": render("README.md.j2", **ctx),
        "graph.json": graph_json,
    }
