"""Estimated against measured resources for the jet tagger, per layer: hwq.hardware_cost.estimate (IR only)
next to Yosys synth_xilinx -nodsp on each node module (and, with --top, the whole design).

    .venv/bin/python benchmarks/resources.py [--epochs 3] [--top]

Yosys' WebAssembly build is slow on designs this size: several minutes per dense layer, longer for the
top (it is flattened into ~400k gates before LUT mapping), so the top is optional.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import hwq  # noqa: E402
from hwq.hardware_cost import estimate, measure  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=3, help="training epochs (the weights decide the LUTs)")
    p.add_argument("--top", action="store_true", help="also synthesise the whole design")
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)

    from jet_tagger import build_jet_tagger, train

    model = build_jet_tagger()
    train(model, args.epochs)
    graph = hwq.lower(model)
    est = estimate(graph)
    start = time.perf_counter()
    m = measure(graph, per_node=True, top=args.top, jobs=args.jobs)
    seconds = time.perf_counter() - start

    print(f"{'node':10s} {'op':9s} {'est LUTs':>9s} {'Yosys LUTs':>10s} {'error':>7s}")
    for e in est.nodes:
        y = m.nodes[e.node].luts
        err = f"{100 * (e.luts - y) / y:+.0f}%" if y else "-"
        print(f"{e.node:10s} {e.op:9s} {e.luts:9d} {y:10d} {err:>7s}")
    total_nodes = sum(s.luts for s in m.nodes.values())
    print(f"{'sum':20s} {est.luts:9d} {total_nodes:10d} {100 * (est.luts - total_nodes) / total_nodes:+.0f}%")
    if m.total is not None:
        print(f"top (flattened): {m.total.luts} LUTs, {m.total.ffs} FFs (estimate {est.ffs} FFs)")
    print(f"Yosys time: {seconds:.0f} s with {args.jobs} jobs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
