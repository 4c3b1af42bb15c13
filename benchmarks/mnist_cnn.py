"""Figures for the MNIST CNN (../shared/models/qkeras_mnist_cnn.*, or the example's synthetic CNN without it):
lower+emit time, simulate vs Keras' own predict, Vitis and Catapult C-sim, the streaming Verilog (Verilator
build, RTL images/s, clocks per image) and Yosys' LUTs, FFs and block RAMs for the streaming design.
Prints figures (medians of --repeats runs); asserts only that every backend equals simulate.

    python benchmarks/mnist_cnn.py [--n-sim 20000] [--n-csim 4000] [--n-rtl 200] [--yosys]
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
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from mnist_cnn import INPUT_TYPE, SHARED, published_cnn, random_images, trained_cnn  # noqa: E402

import hwq  # noqa: E402

PIXELS = 28 * 28


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def median_of(repeats: int, fn, *args, warmups: int = 1) -> float:
    """The median of `repeats` timed runs after `warmups` untimed ones at the same size (the first run faults
    its memory in, and Keras traces its predict function)."""
    for _ in range(warmups):
        fn(*args)
    return statistics.median(timed(fn, *args)[1] for _ in range(repeats))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n-sim", type=int, default=20000, help="images for simulate and Keras")
    p.add_argument("--n-csim", type=int, default=4000, help="images for the HLS C simulations")
    p.add_argument("--n-rtl", type=int, default=200, help="images through the streaming RTL")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--yosys", action="store_true", help="also synthesise the streaming design with Yosys (slow)")
    p.add_argument("--skip-verilog", action="store_true")
    args = p.parse_args(argv)

    found = published_cnn(SHARED)
    model, logits = found if found is not None else trained_cnn(1)
    rows = []
    graph, t_first = timed(hwq.lower, model, input_type=INPUT_TYPE, until=logits)
    t_lower = statistics.median(timed(hwq.lower, model, input_type=INPUT_TYPE, until=logits)[1]
                                for _ in range(args.repeats))
    rows.append(("lower", f"{t_lower:.3f} s", f"first call {t_first:.3f} s"))

    x = random_images(args.n_sim)
    t_sim = median_of(args.repeats, graph.simulate, x)
    sub = keras.Model(model.inputs, model.get_layer(logits).output)
    x32 = x.astype(np.float32)
    t_keras = median_of(args.repeats, lambda: sub.predict(x32, batch_size=1000, verbose=0))
    rows.append(("simulate", f"{args.n_sim / t_sim:,.0f} images/s", "target >= 18,000 and 3x Keras"))
    t_default = median_of(args.repeats, lambda: sub.predict(x32, verbose=0))
    rows.append(("Keras model.predict", f"{args.n_sim / t_keras:,.0f} images/s",
                 f"batches of 1000: simulate is {t_keras / t_sim:.1f}x Keras"))
    rows.append(("Keras model.predict", f"{args.n_sim / t_default:,.0f} images/s",
                 f"its default batches of 32: simulate is {t_default / t_sim:.1f}x Keras"))
    y_sim = graph.simulate(x[: max(args.n_csim, args.n_rtl)])

    with tempfile.TemporaryDirectory() as tmp:
        for backend, target in (("vitis", 700), ("catapult", 6000)):
            prj, t_emit = timed(hwq.emit, graph, Path(tmp) / backend, backend)
            rows.append((f"{backend} lower+emit", f"{t_lower + t_emit:.3f} s", ""))
            _, t_build = timed(prj.compile)
            rows.append((f"{backend} g++ build", f"{t_build:.1f} s", ""))
            xs = x[: args.n_csim]
            y = prj.predict(xs)
            assert np.array_equal(y, y_sim[: len(xs)]), f"{backend} differs from simulate"
            t_run = median_of(args.repeats, prj.predict, xs)
            rows.append((f"{backend} C-sim", f"{len(xs) / t_run:,.0f} images/s", f"target >= {target:,}"))
        if not args.skip_verilog:
            rows += _verilog(graph, Path(tmp), x[: args.n_rtl], y_sim[: args.n_rtl], t_lower, args.yosys)

    print(f"MNIST CNN ({model.name}) on {os.cpu_count()} cores, medians of {args.repeats}")
    for name, figure, note in rows:
        print(f"  {name:26s} {figure:>22s}   {note}")
    return 0


def _verilog(graph: hwq.Graph, tmp: Path, x: np.ndarray, y_sim: np.ndarray, t_lower: float,
             yosys: bool) -> list[tuple[str, str, str]]:
    rows = []
    prj, t_emit = timed(hwq.emit, graph, tmp / "verilog", "verilog", io="stream")
    rows.append(("verilog (stream) lower+emit", f"{t_lower + t_emit:.3f} s", ""))
    _, t_build = timed(prj.compile)
    rows.append(("verilator build", f"{t_build:.1f} s", ""))
    y = prj.predict(x)  # under cocotbext-axi's random backpressure and gaps
    assert np.array_equal(y, y_sim), "the streaming Verilog differs from simulate"
    m_in = hwq.sim.input_mantissas(graph, x)
    _, t_run = timed(prj.run_ports, [m_in], stall=0.0, gaps=0.0)
    rows.append(("RTL (stream)", f"{len(x) / t_run:,.1f} images/s", f"{len(x)} images through Verilator and cocotb"))
    clocks = prj.last_run.clocks_per_image
    rows.append(("RTL clocks per image", f"{clocks:,.0f}", f"{clocks / PIXELS:.2f} x the {PIXELS} input pixels "
                                                           "(target <= 1.1 x), no backpressure"))
    if yosys:
        from hwq.hardware_cost import measure

        m = measure(graph, top=True, io="stream")
        for node, s in m.nodes.items():
            rows.append((f"yosys {node}", f"{s.luts:,} LUTs", f"{s.ffs:,} FFs, {s.brams} BRAMs"))
        if m.total is not None:
            rows.append(("yosys total", f"{m.total.luts:,} LUTs", f"{m.total.ffs:,} FFs, {m.total.brams} BRAMs"))
    return rows


if __name__ == "__main__":
    sys.exit(main())
