"""emit_hls: print an annotated IR graph as a Vitis or Catapult HLS project."""

from __future__ import annotations

import json
from pathlib import Path

from hwq.backends.hls.flavour import Flavour, get_flavour
from hwq.backends.hls.program import build_program
from hwq.backends.hls.project import PROJECT_FILE, HLSProject
from hwq.backends.hls.render import render_project
from hwq.backends.hls.vector_files import concatenated
from hwq.backends.vectors import test_vectors
from hwq.backends.writer import write_project
from hwq.ir import Graph
from hwq.toolchain import ToolchainError, cache_dir


def emit_hls(graph: Graph, output_dir: str | Path, flavour: str | Flavour = "vitis", overwrite: bool = False,
             n_vectors: int = 256, seed: int = 0, io: str = "parallel",
             parallelism: dict[str, int] | None = None) -> HLSProject:
    """Write the HLS project for `graph` into output_dir, with `n_vectors` test vectors (hwq.backends.vectors).

    `io`: "parallel" (one pipelined function computing every value at once), "stream" (a dataflow design of
    one stage per node over pixel streams, as hwq.passes.schedule plans it) or "auto" (the schedule's choice,
    hwq.passes.schedule.choose_io). An existing empty folder is written into; a non-empty one is kept unless
    overwrite=True. A failure leaves no folder behind. `parallelism` (stream only): multiply-accumulates per clock
    by node name (hwq.passes.schedule), printed as each stage's pipeline initiation interval.
    """
    from hwq.passes.schedule import choose_io, schedule

    if n_vectors < 1:
        raise ValueError("n_vectors must be at least 1")
    fl = get_flavour(flavour)
    io = choose_io(graph, io)
    try:
        include = str(fl.include_dir())
    except ToolchainError:  # headers not fetched yet: the Makefile still names where they will be
        include = str(cache_dir() / "include" / fl.header_kind)
    if io == "stream":
        from hwq.backends.hls.stream import build_stream_program, render_stream_project
        from hwq.passes.unroll import unroll_recurrences

        graph = unroll_recurrences(graph)  # a stream design runs one stage per node: each step its own stages

        prg, render = build_stream_program(graph, fl, schedule(graph, "stream", parallelism)), render_stream_project
    else:
        if parallelism:
            raise ValueError("parallelism sets a stream stage's initiation interval; the parallel design computes "
                             "every value at once (io='stream' to use it)")
        prg, render = build_program(graph, fl), render_project
    m_in, m_out = test_vectors(graph, n_vectors, seed)
    files = render(prg, include, graph.to_json(), (concatenated(m_in), concatenated(m_out)))
    files[PROJECT_FILE] = json.dumps({"format": "hwq-hls-project", "version": 1, "flavour": fl.name, "io": io,
                                      "top": prg.top, "include_dir": include}, indent=1) + "\n"
    path = write_project(output_dir, files, overwrite=overwrite)
    (path / "run_check.sh").chmod(0o755)
    return HLSProject(graph, path, fl, prg.top, io)
