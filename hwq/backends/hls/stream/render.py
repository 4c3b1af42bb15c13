"""Render a StreamProgram into the files of an HLS project (the harness files are the parallel project's)."""

from __future__ import annotations

import shlex

import numpy as np

from hwq.backends.hls.compiler import CXXFLAGS, LIBFLAGS
from hwq.backends.hls.render import MIN_SAMPLES_PER_THREAD, columns
from hwq.backends.hls.stream.code import StreamProgram
from hwq.backends.hls.vector_files import format_vectors
from hwq.backends.templates import render


def render_stream_project(prg: StreamProgram, include_dir: str, graph_json: str,
                          vectors: tuple[np.ndarray, np.ndarray]) -> dict[str, str]:
    """Every file of the project, by relative path; `vectors` are the concatenated input and output rows."""
    fl = prg.flavour
    top = prg.top
    own = [f"firmware/{h}" for h in fl.stream_headers if h == "hwq_stream.h"]
    ctx = dict(prg=prg, fl=fl, min_per_thread=MIN_SAMPLES_PER_THREAD, cxxflags=" ".join(CXXFLAGS),
               libflags=" ".join(LIBFLAGS), make_include=include_dir.replace("$", "$$"),
               sh_include=shlex.quote(include_dir), n_vectors=len(vectors[0]), extra_headers=own)
    files = {
        f"firmware/{top}_types.h": render("hls/stream/types.h.j2", **ctx),
        f"firmware/{top}_params.h": render("hls/params.h.j2", **ctx),
        f"firmware/{top}.h": render("hls/stream/top.h.j2", **ctx),
        f"firmware/{top}.cpp": render("hls/stream/top.cpp.j2", **ctx),
        "csim/ports.h": render("hls/stream/ports.h.j2", **ctx),
        "csim/bridge.cpp": render("hls/bridge.cpp.j2", **ctx),
        "tb/tb.cpp": render("hls/tb.cpp.j2", **ctx),
        "tb/input_mantissas.txt": format_vectors(vectors[0], f"input mantissas of {top} ({columns(prg.inputs)})"),
        "tb/output_mantissas.txt": format_vectors(vectors[1], f"expected output mantissas ({columns(prg.outputs)})"),
        "Makefile": render("hls/Makefile.j2", **ctx),
        "run_check.sh": render("hls/run_check.sh.j2", **ctx),
        "README.md": render("hls/stream/README.md.j2", **ctx),
        "graph.json": graph_json,
    }
    for header in own:
        files[header] = render("hls/stream/hwq_stream.h.j2", **ctx)
    if fl.stream_directives:
        name, template = fl.stream_directives
        files[name] = render(template, **ctx)
    return files
