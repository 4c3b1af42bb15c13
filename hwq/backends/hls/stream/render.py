"""Render a StreamProgram into the files of an HLS project (the harness files are the parallel project's)."""

from __future__ import annotations

import numpy as np

from hwq.backends.hls.render import project_files
from hwq.backends.hls.stream.code import StreamProgram
from hwq.backends.templates import render


def render_stream_project(prg: StreamProgram, include_dir: str, graph_json: str,
                          vectors: tuple[np.ndarray, np.ndarray]) -> dict[str, str]:
    """Every file of the project, by relative path; `vectors` are the concatenated input and output rows."""
    fl = prg.flavour
    own = [f"firmware/{h}" for h in fl.stream_headers if h == "hwq_stream.h"]
    files = project_files(prg, include_dir, graph_json, vectors, "hls/stream", extra_headers=own)
    for header in own:
        files[header] = render("hls/stream/hwq_stream.h.j2", prg=prg, fl=fl)
    if fl.stream_directives:
        name, template = fl.stream_directives
        files[name] = render(template, prg=prg, fl=fl)
    return files
