"""Co-simulation at volume: the published jet tagger (../shared/models/qkeras-v3_3layer.keras, input
ap_fixed<16,6>, up to the logits) on 100,000 inputs through simulate, both C simulations and the Verilog through
the batched Verilator harness and through cocotb; and the MNIST CNN's streaming Verilog through the AXI4-Stream
harness and through cocotb. Prints samples/s (medians of --repeats runs, packing of the words included) and build
seconds; asserts only that every result equals simulate.

    python benchmarks/cosim.py [--n 100000] [--n-cocotb 2000] [--images 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import numpy as np  # noqa: E402

import hwq  # noqa: E402
from hwq.sim import input_mantissas, simulate_mantissas  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "models"


def median_seconds(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def check(got, want, what: str) -> None:
    got, want = (g if isinstance(g, list) else [g] for g in (got, want))
    bad = sum(int(np.sum(np.asarray(a) != np.asarray(b))) for a, b in zip(got, want, strict=True))
    if bad:
        raise SystemExit(f"{what}: {bad} mantissas differ from simulate")


def jet(args, tmp: Path) -> None:
    model = hwq.load_model(SHARED / "qkeras-v3_3layer.keras")
    graph = hwq.lower(model, input_type="ap_fixed<16,6>", until="output")
    t = graph.input.type
    rng = np.random.default_rng(0)
    m = rng.integers(t.min_mantissa, t.max_mantissa, size=(args.n, graph.input.size), endpoint=True)
    want = simulate_mantissas(graph, m)
    print(f"jet tagger, {args.n:,} inputs, medians of {args.repeats}")
    sim = median_seconds(args.repeats, lambda: simulate_mantissas(graph, m))
    print(f"  {'simulate':32s} {args.n / sim:12,.0f} samples/s")
    for backend in ("vitis", "catapult"):
        prj = hwq.emit(graph, tmp / backend, backend=backend)
        start = time.perf_counter()
        prj.compile()
        build = time.perf_counter() - start
        check(prj.predict_mantissas(m), want, backend)
        run = median_seconds(args.repeats, lambda p=prj: p.predict_mantissas(m))
        print(f"  {backend + ' C-sim':32s} {args.n / run:12,.0f} samples/s   build {build:.1f} s")
    prj = hwq.emit(graph, tmp / "verilog", backend="verilog")
    start = time.perf_counter()
    prj.harness()
    build = time.perf_counter() - start
    for threads in (1, 0):
        check(prj.run_ports([m], threads=threads), [want], "verilog harness")
        run = median_seconds(args.repeats, lambda k=threads: prj.run_ports([m], threads=k))
        label = f"verilog harness, {threads or os.cpu_count()} thread(s)"
        print(f"  {label:32s} {args.n / run:12,.0f} samples/s   build {build:.1f} s")
    start = time.perf_counter()
    prj.compile()
    build = time.perf_counter() - start
    part = m[:args.n_cocotb]
    check(prj.run_ports([part], engine="cocotb"), [want[:args.n_cocotb]], "verilog cocotb")
    run = median_seconds(1, lambda: prj.run_ports([part], engine="cocotb"))
    print(f"  {'verilog cocotb (' + format(args.n_cocotb, ',') + ')':32s} {len(part) / run:12,.0f} samples/s   "
          f"build {build:.1f} s")


def cnn(args, tmp: Path) -> None:
    from mnist_cnn import INPUT_TYPE, published_cnn, random_images
    from mnist_cnn import SHARED as CNN_SHARED

    found = published_cnn(CNN_SHARED)
    if found is None:
        print("MNIST CNN: ../shared/models/qkeras_mnist_cnn.* not found, skipped")
        return
    model, logits = found
    graph = hwq.lower(model, input_type=INPUT_TYPE, until=logits)
    m = input_mantissas(graph, random_images(args.images))
    want = simulate_mantissas(graph, m)
    prj = hwq.emit(graph, tmp / "cnn", backend="verilog", io="stream")
    start = time.perf_counter()
    prj.harness()
    build = time.perf_counter() - start
    print(f"MNIST CNN, streaming Verilog, {args.images:,} images")
    check(prj.run_ports([m]), [want], "cnn harness")
    run = median_seconds(args.repeats, lambda: prj.run_ports([m]))
    print(f"  {'AXI4-Stream harness':32s} {args.images / run:12,.1f} images/s   build {build:.1f} s")
    part = m[:args.cocotb_images]
    start = time.perf_counter()
    prj.compile()
    build = time.perf_counter() - start
    run = median_seconds(1, lambda: check(prj.run_ports([part], stall=0.0, gaps=0.0), [want[:len(part)]], "cocotb"))
    print(f"  {'cocotb (' + str(len(part)) + ' images)':32s} {len(part) / run:12,.1f} images/s   build {build:.1f} s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000, help="jet tagger inputs")
    p.add_argument("--n-cocotb", type=int, default=2000, help="jet tagger inputs through cocotb")
    p.add_argument("--images", type=int, default=2000, help="MNIST CNN images through the harness")
    p.add_argument("--cocotb-images", type=int, default=50, help="MNIST CNN images through cocotb")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        jet(args, Path(tmp))
        cnn(args, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
