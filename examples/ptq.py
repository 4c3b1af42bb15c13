"""Post-training quantization, end to end: train a float CNN on a synthetic task, quantize it at 8 and at 4 bits
with QuantizeML's API (hwq.quantizeml.models.quantize, calibrated on the training images), compare each with the
float model, then lower, emit and prove each equal across Keras, simulate, Vitis and Catapult C-sim and Verilog.

    .venv/bin/python examples/ptq.py [--out build/ptq] [--epochs 8] [--proof-samples 500]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import hwq  # noqa: E402
from hwq.quantizeml.models import QuantizationParams, quantize  # noqa: E402
from hwq.verify import verify  # noqa: E402

L = keras.layers
CLASSES = 4


def shapes_task(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """12x12 RGB images of 8-bit noise with one bright bar: horizontal or vertical, red or green (4 classes)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, CLASSES, n)
    x = rng.integers(0, 120, (n, 12, 12, 3)).astype(np.float32)
    at = rng.integers(2, 10, n)
    for k in range(n):
        channel, vertical = y[k] % 2, y[k] // 2
        if vertical:
            x[k, :, at[k], channel] += 120
        else:
            x[k, at[k], :, channel] += 120
    return x, y


def float_cnn() -> keras.Model:
    """Rescaling, conv + batch norm + ReLU, max pool, a depthwise and a separable branch added, GAP, dense."""
    inp = keras.Input((12, 12, 3))
    x = L.Rescaling(1 / 255)(inp)
    x = L.ReLU()(L.BatchNormalization()(L.Conv2D(12, 3, padding="same")(x)))
    x = L.MaxPool2D()(x)
    a = L.ReLU()(L.DepthwiseConv2D(3, padding="same")(x))
    b = L.ReLU()(L.SeparableConv2D(12, 3, padding="same")(x))
    x = L.GlobalAveragePooling2D()(L.Add()([a, b]))
    return keras.Model(inp, L.Dense(CLASSES, name="logits")(x), name="ptq_cnn")


def train(model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int) -> keras.Model:
    keras.utils.set_random_seed(0)
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return model


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(np.asarray(model(x)), -1) == y))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="build/ptq", help="folder for the projects (replaced)")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--proof-samples", type=int, default=500, help="inputs each implementation is compared on")
    args = p.parse_args()
    x, y = shapes_task(1024)
    x_test, y_test = shapes_task(512, seed=1)
    model = train(float_cnn(), x, y, args.epochs)
    rows = [("float", accuracy(model, x_test, y_test), 1.0, 0.0)]
    quantized = {}
    for bits in (8, 4):
        params = QuantizationParams(activation_bits=bits, weight_bits=bits, output_bits=8, input_weight_bits=8)
        start = time.perf_counter()
        quantized[bits] = quantize(model, qparams=params, samples=x)
        seconds = time.perf_counter() - start
        agree = float(np.mean(np.argmax(np.asarray(quantized[bits](x_test)), -1) ==
                              np.argmax(np.asarray(model(x_test)), -1)))
        rows.append((f"{bits}-bit", accuracy(quantized[bits], x_test, y_test), agree, seconds))
    print(f"{'model':8s} {'test accuracy':>13s} {'argmax agreement':>16s} {'quantize s':>10s}")
    for name, acc, agree, seconds in rows:
        print(f"{name:8s} {acc:13.3f} {agree:16.3f} {seconds:10.2f}")
    ok = True
    for bits, qmodel in quantized.items():
        graph = hwq.lower(qmodel)
        result = verify(qmodel, data=x_test[:args.proof_samples], workdir=Path(args.out) / f"{bits}bit")
        print(f"\n{bits}-bit: {len(graph.nodes)} IR nodes, no float in the datapath")
        print(result.table())
        ok &= result.passed
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
