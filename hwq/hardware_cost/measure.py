"""Measured resources: the emitted Verilog synthesised by Yosys, node by node and as a whole.

Each node module is synthesised on its own (`-top <module>`), so its LUTs are its own; the top,
synthesised once more, gives the total, where logic optimisation may also cross node boundaries
(a relu folded into the next rounding, say) — so the total can be a little below the sum.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hwq.hardware_cost.yosys import Synthesis, synthesise
from hwq.ir import Graph


@dataclass
class Measurement:
    """Yosys' cell counts per node (by node name) and for the top module."""

    top: str
    dsp: bool
    nodes: dict[str, Synthesis] = field(default_factory=dict)
    total: Synthesis | None = None

    def to_dict(self) -> dict:
        def row(s: Synthesis) -> dict:
            return {"luts": s.luts, "ffs": s.ffs, "dsps": s.dsps, "carries": s.carries, "cells": dict(s.cells)}

        return {"top": self.top, "dsp": self.dsp, "nodes": {k: row(s) for k, s in self.nodes.items()},
                "total": row(self.total) if self.total else None}


def node_modules(graph: Graph, io: str = "parallel",
                 parallelism: dict[str, int] | None = None) -> tuple[str, dict[str, str]]:
    """The top module's name and each node's module name, as the Verilog backend names them."""
    if io == "stream":
        from hwq.backends.verilog.stream import stage_modules

        return stage_modules(graph, parallelism)
    from hwq.backends.verilog.design import design

    d = design(graph)
    return d.top, {node.name: view.module for node, view in zip(graph.nodes, d.nodes, strict=True)}


def measure(graph: Graph, dsp: bool = False, per_node: bool = True, top: bool = True,
            jobs: int | None = None, io: str = "parallel", parallelism: dict[str, int] | None = None,
            multipliers: str | None = None, pipeline: int | dict[str, int] | None = None,
            adders: str | None = None) -> Measurement:
    """Emit `graph` as Verilog in a temporary folder and synthesise it (see the module docstring).

    `dsp=True` lets Yosys infer DSP48 blocks; by default multipliers are counted in LUTs.
    `top=False` skips the whole design (the slowest run: the flattened top of a large model takes Yosys'
    WebAssembly build tens of minutes).
    `jobs` syntheses run at once (each is its own process); by default one per core, at most 4.
    `io`: the architecture synthesised ("parallel", "stream" or "auto", as emit chooses); `parallelism`:
    multiply-accumulates per clock by kernel node (a stream design's, as emit takes it); `multipliers`: the form
    of the constant products, and `pipeline`: the parallel top's register stages, as emit takes them.
    """
    import hwq
    from hwq.passes.schedule import choose_io

    io = choose_io(graph, io)
    if dsp and multipliers is None:
        multipliers = "direct"  # the form from which Yosys infers DSP blocks
    top_module, modules = node_modules(graph, io, parallelism)
    with tempfile.TemporaryDirectory(prefix="hwq-measure-") as tmp:
        prj = hwq.emit(graph, Path(tmp) / "prj", backend="verilog", io=io, parallelism=parallelism,
                       multipliers=multipliers, pipeline=1 if pipeline is None else pipeline, adders=adders)
        sources = prj.sources
        targets = list(modules.items()) if per_node else []
        targets += [(None, top_module)] if top else []
        workers = jobs or min(4, os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:  # threads only wait on Yosys processes
            results = list(pool.map(lambda t: (t[0], synthesise(sources, t[1], dsp=dsp)), targets))
    m = Measurement(top_module, dsp)
    for name, synthesis in results:
        if name is None:
            m.total = synthesis
        else:
            m.nodes[name] = synthesis
    return m
