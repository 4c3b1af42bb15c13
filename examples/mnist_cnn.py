"""A quantized CNN, end to end: the published QKeras MNIST CNN (or, without it, a small QKeras-style CNN
trained here on synthetic images), lowered, emitted as streaming Verilog and as Vitis and Catapult HLS,
and checked image by image against Keras.

    python examples/mnist_cnn.py [--models ../shared/models] [--out build/mnist_cnn] [-n 2000] [--n-verilog 200]
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
from hwq.layers import QActivation, QConv2D, QDense  # noqa: E402
from hwq.quantizers import quantized_bits, quantized_relu  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "models"
INPUT_TYPE = "ap_ufixed<8,0>"  # grey levels k/256: MNIST's pixels, exactly
SIDE, CLASSES = 28, 4


def published_cnn(models: Path) -> tuple[keras.Model, str] | None:
    """The QKeras MNIST CNN (28x28x1 -> 2 x (QConv2D 3x3x16, quantized_relu, max pool) -> QDense 10 -> softmax)."""
    json, h5 = models / "qkeras_mnist_cnn.json", models / "qkeras_mnist_cnn_weights.h5"
    if not (json.is_file() and h5.is_file()):
        return None
    return hwq.load_qkeras(json, h5), "q_dense"


def synthetic_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """28x28 grey images of four classes (a horizontal bar, a vertical bar, a diagonal, a ring) at random
    positions, with noise, on the 8-bit grid."""
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:SIDE, 0:SIDE]
    y = rng.integers(0, CLASSES, size=n)
    x = rng.uniform(0, 0.25, size=(n, SIDE, SIDE))
    for k in range(n):
        a, b = rng.integers(6, SIDE - 6, size=2)
        shape = [np.abs(r - a) < 2, np.abs(c - b) < 2, np.abs((r - a) - (c - b)) < 2,
                 np.abs(np.hypot(r - a, c - b) - 5) < 1.5][y[k]]
        x[k][shape] += 0.7
    return np.floor(np.clip(x, 0, 255 / 256) * 256)[..., None] / 256, y


def trained_cnn(epochs: int) -> tuple[keras.Model, str]:
    """A small QKeras-style CNN (6-bit weights, 6-bit ReLUs) trained on the synthetic images."""
    w = dict(kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1))
    model = keras.Sequential([
        keras.Input((SIDE, SIDE, 1), name="image"),
        QConv2D(8, 3, name="conv1", **w), QActivation(quantized_relu(6, 0), name="relu1"),
        keras.layers.MaxPooling2D(2, name="pool1"),
        QConv2D(8, 3, name="conv2", **w), QActivation(quantized_relu(6, 0), name="relu2"),
        keras.layers.MaxPooling2D(2, name="pool2"),
        keras.layers.Flatten(name="flatten"),
        QDense(CLASSES, name="logits", **w),
        keras.layers.Activation("softmax", name="probs"),
    ], name="synthetic_cnn")
    keras.utils.set_random_seed(0)
    x, y = synthetic_images(4000)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=128, verbose=0)
    x_test, y_test = synthetic_images(1000, seed=1)
    accuracy = float(np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test))
    print(f"trained {epochs} epoch(s) on synthetic images: Keras test accuracy {accuracy:.3f}")
    return model, "logits"


def random_images(n: int, seed: int = 7) -> np.ndarray:
    """Grey levels drawn uniformly on the input port's 8-bit grid."""
    return np.random.default_rng(seed).integers(0, 256, size=(n, SIDE, SIDE, 1)) / 256.0


def mismatches(a: np.ndarray, b: np.ndarray) -> int:
    """Images whose outputs differ in any element (exact comparison)."""
    return int(np.sum(np.any(a.reshape(len(a), -1) != b.reshape(len(b), -1), axis=1)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", type=Path, default=SHARED, help="folder with qkeras_mnist_cnn.json and _weights.h5")
    p.add_argument("--out", default="build/mnist_cnn", help="folder for the generated projects")
    p.add_argument("--epochs", type=int, default=2, help="training epochs when the published model is absent")
    p.add_argument("-n", type=int, default=2000, help="images for simulate and the HLS flavours")
    p.add_argument("--n-verilog", type=int, default=200, help="images for the streaming Verilog")
    args = p.parse_args(argv)

    found = published_cnn(args.models)
    model, logits = found if found is not None else trained_cnn(args.epochs)
    print(f"model: {model.name} ({'published QKeras files' if found else 'trained here'}), input {INPUT_TYPE}")
    graph = hwq.lower(model, input_type=INPUT_TYPE, until=logits)
    print(graph.summary())

    x = random_images(args.n)
    y_sim = graph.simulate(x)
    keras_logits = keras.Model(model.inputs, model.get_layer(logits).output)
    y_keras = keras_logits.predict(x.astype(np.float32), batch_size=1000, verbose=0).astype(np.float64)
    results = {"simulate-vs-Keras": (mismatches(y_sim, y_keras), len(x))}

    out = Path(args.out)
    for backend, io in (("verilog", "stream"), ("vitis", "auto"), ("catapult", "auto")):
        start = time.perf_counter()
        prj = hwq.emit(graph, out / backend, backend=backend, overwrite=True, io=io)
        prj.compile()
        xb = x[: args.n_verilog] if backend == "verilog" else x
        y_hw = prj.predict(xb)
        results[f"{backend}-vs-simulate"] = (mismatches(y_hw, y_sim[: len(xb)]), len(xb))
        print(f"{backend} ({io}): emitted, compiled and ran {len(xb)} images in {time.perf_counter() - start:.1f} s "
              f"-> {prj.path}")

    print("\nmismatch counts (exact comparison of the logits):")
    for label, (bad, n) in results.items():
        print(f"  {label:20s} {bad} of {n}")
    return 1 if any(bad for bad, _ in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
