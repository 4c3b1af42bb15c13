"""Figures for the jet tagger (16-64-32-32-5, 8-bit in, 6-bit weights): how fast hwq lowers,
emits, simulates, compiles and co-simulates on this machine. Prints figures; asserts nothing.

    make bench            # or: python benchmarks/jet_tagger.py [--n-sim 1000000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import numpy as np  # noqa: E402
from jet_tagger import build_jet_tagger, inputs_past_range, train  # noqa: E402

import hwq  # noqa: E402


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def best_of(repeats: int, fn, *args):
    return min(timed(fn, *args)[1] for _ in range(repeats))


def verilator_build(prj, cache: bool) -> float:
    """Seconds to build a copy of the project, with or without hwq's cached Verilator runtime."""
    copy = prj.path.parent / f"{prj.path.name}_{'warm' if cache else 'cold'}"
    shutil.copytree(prj.path, copy, ignore=shutil.ignore_patterns("sim_build"))
    saved = os.environ.get("HWQ_VERILATOR_CACHE")
    os.environ["HWQ_VERILATOR_CACHE"] = "1" if cache else "0"
    try:
        return timed(type(prj).open(copy).compile)[1]
    finally:
        if saved is None:
            del os.environ["HWQ_VERILATOR_CACHE"]
        else:
            os.environ["HWQ_VERILATOR_CACHE"] = saved


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n-sim", type=int, default=1_000_000, help="samples for simulate")
    p.add_argument("--n-csim", type=int, default=200_000, help="samples for the HLS C simulations")
    p.add_argument("--n-cosim", type=int, default=2000, help="samples for Verilator co-simulation")
    p.add_argument("--skip-verilog", action="store_true")
    args = p.parse_args(argv)

    model = build_jet_tagger()
    train(model, epochs=1)
    rows = []
    graph, t_first = timed(hwq.lower, model)
    rows.append(("lower, first call", f"{t_first:.3f} s", "traces the quantizers in TensorFlow once"))
    t_lower = best_of(3, hwq.lower, model)
    rows.append(("lower", f"{t_lower:.3f} s", "target: lower+emit <= 1 s"))
    x = inputs_past_range(graph, args.n_sim)
    graph.simulate(x[:1000])
    t_sim = best_of(3, graph.simulate, x)
    rows.append(("simulate", f"{args.n_sim / t_sim:,.0f} samples/s", "target >= 1,000,000"))

    with tempfile.TemporaryDirectory() as tmp:
        backends = ["vitis", "catapult"] + ([] if args.skip_verilog else ["verilog"])
        for backend in backends:
            prj, t_emit = timed(hwq.emit, graph, Path(tmp) / backend, backend)
            rows.append((f"{backend} lower+emit", f"{t_lower + t_emit:.3f} s", "target <= 1 s"))
            _, t_build = timed(prj.compile)  # for Verilog, this also fills hwq's runtime cache if empty
            if backend == "verilog":
                rows.append(("verilator build, cold", f"{verilator_build(prj, cache=False):.1f} s",
                             "Verilator's runtime compiled too"))
                rows.append(("verilator build", f"{verilator_build(prj, cache=True):.1f} s",
                             "target <= 20 s (runtime from hwq's cache)"))
                xs = x[: args.n_cosim]
                y, t_run = timed(prj.predict, xs)
                rows.append(("co-simulation", f"{len(xs) / t_run:,.0f} samples/s", f"{len(xs)} samples"))
            else:
                rows.append((f"{backend} g++ build", f"{t_build:.1f} s", ""))
                prj.predict(x[:1000])
                xs = x[: args.n_csim]
                t_run = best_of(3, prj.predict, xs)
                rows.append((f"{backend} C-sim", f"{len(xs) / t_run:,.0f} samples/s", "target >= 200,000"))
                y = prj.predict(x[:10000])
            assert np.array_equal(y, graph.simulate(x[: len(y)])), f"{backend} differs from simulate"

    print(f"jet tagger 16-64-32-32-5 on {os.cpu_count()} cores")
    for name, figure, note in rows:
        print(f"  {name:22s} {figure:>22s}   {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
