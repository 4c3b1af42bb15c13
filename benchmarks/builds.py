"""How long g++ takes to build the C simulation of projects with large constant arrays, in both header sets:
a lookup table over an 8-, 12- and 16-bit input (256 to 65,536 entries) and the published MNIST dense model
(../shared/models: 784 inputs, its kernels as weight arrays). Prints seconds (medians of --repeats builds, each
from a clean build folder); asserts only that each build equals simulate.

    python benchmarks/builds.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import hwq  # noqa: E402
from hwq.fixed import FixedType  # noqa: E402
from hwq.ir import Graph, IntTensor, Value  # noqa: E402
from hwq.ir.build import table_node  # noqa: E402
from hwq.sim import simulate_mantissas  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "models"


def table_graph(bits: int) -> Graph:
    """tanh over a `bits`-bit input, one entry per input value."""
    x = Value("x", (16,), FixedType(bits, 3, True))
    n = 1 << bits
    entries = np.round(np.tanh(np.arange(-n // 2, n // 2) / (n / 8)) * 2**14).astype(np.int64)
    return Graph(f"tanh{bits}", [x], [table_node("t", x, IntTensor(entries, FixedType(16, 1, True)), "y")],
                 ["y"]).validate()


def build_seconds(graph: Graph, backend: str, root: Path, repeats: int) -> float:
    prj = hwq.emit(graph, root / f"{graph.name}_{backend}", backend=backend)
    times = []
    for _ in range(repeats):
        shutil.rmtree(prj.path / "build", ignore_errors=True)
        start = time.perf_counter()
        prj.compile()
        times.append(time.perf_counter() - start)
        prj._lib = None  # the next compile() builds anew
    t = graph.inputs[0].type
    m = np.random.default_rng(0).integers(t.min_mantissa, t.max_mantissa, size=(500, graph.inputs[0].size),
                                          endpoint=True)
    if not np.array_equal(prj.predict_mantissas(m), simulate_mantissas(graph, m)):
        raise SystemExit(f"{graph.name} {backend}: differs from simulate")
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    graphs = [table_graph(bits) for bits in (8, 12, 16)]
    if (SHARED / "qkeras_mnist_dense.json").is_file():
        model = hwq.load_qkeras(SHARED / "qkeras_mnist_dense.json", SHARED / "qkeras_mnist_dense_weights.h5")
        graphs.append(hwq.lower(model, input_type="ap_fixed<10,3>", until="q_dense_3", name="mnist_dense"))
    print(f"g++ build of the C simulation, seconds (medians of {args.repeats})")
    print(f"  {'project':24s} {'vitis':>8s} {'catapult':>9s}")
    with tempfile.TemporaryDirectory() as tmp:
        for g in graphs:
            times = [build_seconds(g, b, Path(tmp), args.repeats) for b in ("vitis", "catapult")]
            print(f"  {g.name:24s} {times[0]:8.1f} {times[1]:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
