"""The recurrent layers in HLS: the loop over time (hwq's form) against the same model unrolled into its steps
(hwq.passes.unroll, the form the Verilog backend builds and the HLS backends printed before): lines of the top's
C++ and seconds for g++ to build the C simulation (medians of --repeats builds, each from a clean build folder),
for an LSTM over 8 steps, a simple RNN over 20 and a bidirectional LSTM over 8 (random quantized weights, the
models of tests/test_lower_recurrent.py). Asserts only that every build equals simulate.

    python benchmarks/recurrent.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import hwq  # noqa: E402
from hwq.fixed import quantize, to_float  # noqa: E402
from hwq.layers import QLSTM, QBidirectional, QSimpleRNN  # noqa: E402
from hwq.passes.unroll import unroll_recurrences  # noqa: E402
from hwq.quantizers import quantized_bits, quantized_tanh  # noqa: E402

W, S, T = quantized_bits(4, 0, alpha=1), quantized_bits(6, 2, alpha=1), quantized_tanh(6)
Q = {"kernel_quantizer": W, "recurrent_quantizer": W, "bias_quantizer": W, "state_quantizer": S}
MODELS = {
    "lstm_8": (8, lambda: QLSTM(3, activation=T, **Q)),
    "simple_rnn_20": (20, lambda: QSimpleRNN(2, activation=T, **Q)),
    "bidirectional_lstm_8": (8, lambda: QBidirectional(QLSTM(2, activation=T, return_sequences=True, **Q))),
}


def lowered(name: str) -> hwq.Graph:
    steps, make = MODELS[name]
    x = keras.Input((steps, 2))
    model = keras.Model(x, make()(x), name=name)
    rng = np.random.default_rng(0)
    for w in model.weights:
        w.assign(rng.uniform(-1, 1, size=w.shape).astype(np.float32))
    return hwq.lower(model, input_type="ap_fixed<6,3>")


def measure(graph: hwq.Graph, backend: str, folder: Path, repeats: int) -> tuple[int, float]:
    prj = hwq.emit(graph, folder, backend=backend)
    lines = len((prj.path / "firmware" / f"{prj.top}.cpp").read_text().splitlines())
    times = []
    for _ in range(repeats):
        shutil.rmtree(prj.path / "build", ignore_errors=True)
        start = time.perf_counter()
        prj.compile()
        times.append(time.perf_counter() - start)
        prj._lib = None  # the next compile() builds anew
    v = graph.inputs[0]
    x = to_float(quantize(np.random.default_rng(1).uniform(-5, 5, (500, *v.shape)), v.type), v.type)
    if not np.array_equal(prj.predict(x), graph.simulate(x)):
        raise SystemExit(f"{graph.name} {backend}: differs from simulate")
    return lines, statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'model':22s} {'backend':9s} {'loop lines':>10s} {'unrolled':>9s} {'loop build':>11s} {'unrolled':>9s}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in MODELS:
            graph = lowered(name)
            unrolled = unroll_recurrences(copy.deepcopy(graph))
            for backend in ("vitis", "catapult"):
                loop = measure(graph, backend, root / f"{name}_{backend}_loop", args.repeats)
                flat = measure(unrolled, backend, root / f"{name}_{backend}_unrolled", args.repeats)
                print(f"{name:22s} {backend:9s} {loop[0]:10d} {flat[0]:9d} {loop[1]:10.2f}s {flat[1]:8.2f}s",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
