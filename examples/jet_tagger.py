"""Jet tagger, end to end: train a quantized 16-64-32-32-5 MLP, lower it, emit Vitis HLS,
Catapult HLS and Verilog, and show that all of them compute exactly what Keras computes.

Run with `make demo` (or `python examples/jet_tagger.py --help`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import hwq  # noqa: E402
from hwq.layers import QActivation, QDense  # noqa: E402
from hwq.quantizers import quantized_bits, quantized_relu  # noqa: E402

N_FEATURES, N_CLASSES = 16, 5


def synthetic_jets(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """16 features per jet, 5 classes: Gaussian clusters around fixed class centres (float32)."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(1234).normal(0.0, 0.4, size=(N_CLASSES, N_FEATURES))
    y = rng.integers(0, N_CLASSES, size=n)
    x = centres[y] + rng.normal(0.0, 1.0, size=(n, N_FEATURES))
    return x.astype(np.float32), y


def build_jet_tagger(name: str = "jet_tagger") -> keras.Model:
    """8-bit input, 6-bit weights and biases, 6-bit ReLUs, 8-bit logits: fixed point throughout."""
    weights = dict(kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1))
    return keras.Sequential([
        keras.Input((N_FEATURES,), name="features"),
        QActivation(quantized_bits(8, 3, alpha=1), name="input_q"),
        QDense(64, activation=quantized_relu(6, 0), name="fc1", **weights),
        QDense(32, activation=quantized_relu(6, 0), name="fc2", **weights),
        QDense(32, activation=quantized_relu(6, 0), name="fc3", **weights),
        QDense(N_CLASSES, activation=quantized_bits(8, 3, alpha=1), name="logits", **weights),
    ], name=name)


def train(model: keras.Model, epochs: int, seed: int = 0) -> float:
    keras.utils.set_random_seed(seed)
    x, y = synthetic_jets(20000, seed)
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=256, verbose=0)
    x_test, y_test = synthetic_jets(5000, seed + 1)
    return float(np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test))


def inputs_past_range(graph: hwq.Graph, n: int, seed: int = 7) -> np.ndarray:
    """float32 inputs spread 1.5x past the input type's range, so saturation is exercised."""
    t = graph.input.type
    lo, hi = float(t.min_value), float(t.max_value)
    x = np.random.default_rng(seed).uniform(1.5 * lo, 1.5 * hi, size=(n, *graph.input.shape))
    return x.astype(np.float32)


def mismatches(a: np.ndarray, b: np.ndarray) -> int:
    """Samples whose outputs differ in any element (exact comparison)."""
    return int(np.sum(np.any(a.reshape(len(a), -1) != b.reshape(len(b), -1), axis=1)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="build/jet_tagger", help="folder for the generated projects")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("-n", type=int, default=10000, help="test inputs for simulate and the HLS flavours")
    p.add_argument("--n-verilog", type=int, default=10000,
                   help="test inputs for Verilog co-simulation (Verilator, through hwq's batched harness)")
    args = p.parse_args(argv)

    model = build_jet_tagger()
    accuracy = train(model, args.epochs)
    print(f"trained {args.epochs} epochs on synthetic jets: Keras test accuracy {accuracy:.3f}")

    graph = hwq.lower(model)
    print(graph.summary())
    x = inputs_past_range(graph, args.n)
    y_sim = graph.simulate(x)
    y_keras = model.predict(x, batch_size=4096, verbose=0).astype(np.float64)
    results = {"simulate-vs-Keras": (mismatches(y_sim, y_keras), len(x))}

    out = Path(args.out)
    for backend in ("vitis", "catapult", "verilog"):
        start = time.perf_counter()
        prj = hwq.emit(graph, out / backend, backend=backend, overwrite=True)
        if backend != "verilog":  # a Verilog project builds its Verilator harness on the first predict
            prj.compile()
        xb = x if backend != "verilog" else x[: args.n_verilog]
        y_hw = prj.predict(xb)
        results[f"{backend}-vs-simulate"] = (mismatches(y_hw, y_sim[: len(xb)]), len(xb))
        print(f"{backend}: emitted, compiled and ran {len(xb)} inputs in {time.perf_counter() - start:.1f} s "
              f"-> {prj.path}")

    print("\nmismatch counts (exact comparison, inputs drawn 1.5x past the input range):")
    for label, (bad, n) in results.items():
        print(f"  {label:20s} {bad} of {n}")
    return 1 if any(bad for bad, _ in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
