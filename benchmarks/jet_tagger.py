"""Figures for the published jet tagger (../shared/models/qkeras-v3_3layer.keras, 16-64-32-32-5, input
ap_fixed<16,6>, lowered up to its logits): how fast hwq lowers, emits, simulates, compiles, co-simulates, and
proves the model with `hwq verify`. Prints figures (medians of --repeats runs); asserts only that every backend
equals simulate.

    make bench            # or: python benchmarks/jet_tagger.py [--n 100000] [--repeats 5]

The float32 forward is the same network without its quantizers (numpy: x @ W + b and relu, the layers' float
kernels) on the same inputs, in the same process: simulate's bit-exact work set against plain inference. Every
figure is a median of steady runs, each measured after two untimed runs of the same size.
`hwq verify` runs as a user runs it, in a fresh process, from the model file to a four-way proof (Keras,
simulate, vitis, catapult, verilog) on --n random inputs, every project emitted and built anew (Verilator's own
runtime library comes from hwq's per-machine cache, as it does for any user after the first build).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import hwq  # noqa: E402
from hwq.sim import input_mantissas, simulate_mantissas  # noqa: E402

MODEL = Path(__file__).resolve().parent.parent.parent / "shared" / "models" / "qkeras-v3_3layer.keras"
INPUT_TYPE = "ap_fixed<16,6>"


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def median_seconds(repeats: int, fn, warmups: int = 2) -> float:
    """The median of `repeats` timed runs after `warmups` untimed ones: the first runs at a new size fault their
    memory in (the allocator's arenas grow, per thread), which steady use does not pay."""
    for _ in range(warmups):
        fn()
    return statistics.median(timed(fn)[1] for _ in range(repeats))


def float32_forward(model):
    """The network's float32 inference without quantizers: (kernel, bias) per weighted layer, relu between."""
    layers = [[np.asarray(w, dtype=np.float32) for w in layer.get_weights()] for layer in model.layers
              if len(layer.get_weights()) == 2]

    def forward(x: np.ndarray) -> np.ndarray:
        h = x
        for k, (kernel, bias) in enumerate(layers):
            h = h @ kernel + bias
            if k < len(layers) - 1:
                h = np.maximum(h, 0)
        return h

    return forward


def hwq_verify_seconds(n: int, out: Path) -> float:
    """Wall seconds of `hwq verify` on the model file with all three backends, in a fresh process."""
    command = [sys.executable, "-m", "hwq.cli", "verify", str(MODEL), "--input-type", INPUT_TYPE, "--until",
               "output", "--inputs", str(n), "--backends", "vitis", "catapult", "verilog", "-o", str(out),
               "--no-progress"]
    done, seconds = timed(subprocess.run, command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"hwq verify failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000, help="inputs per figure")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--skip-verilog", action="store_true")
    args = p.parse_args(argv)
    rows = []

    def row(name: str, figure: str, note: str = "") -> None:
        rows.append((name, figure, note))

    model = hwq.load_model(MODEL)
    graph, t_first = timed(hwq.lower, model, input_type=INPUT_TYPE, until="output")
    row("lower, first call", f"{t_first:.3f} s", "traces the quantizers in TensorFlow once")
    t_lower = median_seconds(args.repeats, lambda: hwq.lower(model, input_type=INPUT_TYPE, until="output"))
    row("lower", f"{t_lower:.3f} s")

    t = graph.input.type
    rng = np.random.default_rng(0)
    x = (rng.uniform(-1.5, 1.5, size=(args.n, graph.input.size)) * 2.0 ** (t.integer - 1)).astype(np.float32)
    forward = float32_forward(model)
    t_sim = median_seconds(args.repeats, lambda: graph.simulate(x))
    t_float = median_seconds(args.repeats, lambda: forward(x))
    row("simulate", f"{args.n / t_sim:,.0f} samples/s", "bit-exact, from float inputs")
    row("float32 forward", f"{args.n / t_float:,.0f} samples/s", "numpy, no quantizers")
    row("simulate / float32", f"{t_float / t_sim:.2f} x", "target >= 1.0")

    m = input_mantissas(graph, x)
    want = simulate_mantissas(graph, m)
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("vitis", "catapult"):
            prj, t_emit = timed(hwq.emit, graph, Path(tmp) / backend, backend)
            _, t_build = timed(prj.compile)
            row(f"{backend} emit / g++ build", f"{t_emit:.2f} s / {t_build:.1f} s")
            check(prj.predict_mantissas(m), want, backend)
            t_run = median_seconds(args.repeats, lambda p=prj: p.predict_mantissas(m))
            row(f"{backend} C-sim", f"{args.n / t_run:,.0f} samples/s")
        if not args.skip_verilog:
            verilog(graph, m, want, Path(tmp), args, row)
            row("hwq verify, 3 backends", f"{hwq_verify_seconds(args.n, Path(tmp) / 'verify'):.1f} s",
                f"{args.n:,} inputs, model file to proof; target <= 15 s")

    print(f"published jet tagger (qkeras-v3_3layer.keras, {INPUT_TYPE} in, up to the logits), {args.n:,} inputs, "
          f"{os.cpu_count()} cores, medians of {args.repeats}")
    for name, figure, note in rows:
        print(f"  {name:26s} {figure:>22s}   {note}")
    return 0


def verilog(graph, m, want, tmp: Path, args, row) -> None:
    prj, t_emit = timed(hwq.emit, graph, tmp / "verilog", "verilog")
    _, t_build = timed(prj.harness)
    row("verilog emit / harness build", f"{t_emit:.2f} s / {t_build:.1f} s", "Verilator, the model and its driver")
    for threads in (1, 2):
        check(prj.run_ports([m], threads=threads)[0], want, f"verilog harness, {threads} thread(s)")
        t_run = median_seconds(args.repeats, lambda k=threads: prj.run_ports([m], threads=k))
        target = "target >= 500,000" if threads == 2 else ""
        row(f"verilog harness, {threads} thread{'s' if threads > 1 else ''}", f"{args.n / t_run:,.0f} samples/s",
            target)
    shutil.rmtree(prj.path, ignore_errors=True)


def check(got, want, what: str) -> None:
    bad = int(np.sum(np.asarray(got) != np.asarray(want)))
    if bad:
        raise SystemExit(f"{what}: {bad} mantissas differ from simulate")


if __name__ == "__main__":
    sys.exit(main())
