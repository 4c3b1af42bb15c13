"""Looking inside a quantized model (QKeras' utils): the range of every quantized layer's outputs and weights,
their sparsity, and each layer's outputs dumped to files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras
import numpy as np

from hwq.quantizers import get_weight_scale
from hwq.utils.qstats import quantized_layer_weights

# the layer classes whose outputs quantized_model_debug reports (QKeras' list)
REGISTERED_LAYERS = ["QActivation", "QAdaptiveActivation", "QDense", "QConv1D", "QConv2D", "QSeparableConv1D",
                     "QSeparableConv2D", "QDepthwiseConv2D", "QConv2DTranspose", "QSimpleRNN", "QLSTM", "QGRU",
                     "QBidirectional", "QBatchNormalization", "QConv2DBatchnorm", "QDepthwiseConv2DBatchnorm",
                     "QAveragePooling2D", "QGlobalAveragePooling2D", "QDenseBatchnorm"]
SCALED_KERNELS = ("QConv1D", "QConv2D", "QConv2DTranspose", "QDense", "QSimpleRNN", "QLSTM", "QGRU",
                  "QSeparableConv1D", "QSeparableConv2D", "QConv2DBatchnorm", "QDepthwiseConv2DBatchnorm")


def print_model_sparsity(model: keras.Model) -> None:
    """Per layer with prunable weights, each one's share of exact zeros (QKeras' format)."""
    print(f"Model Sparsity Summary ({model.name})")
    print("--")
    for layer in model.layers:
        weights = layer.get_prunable_weights() if hasattr(layer, "get_prunable_weights") else []
        if weights:
            shares = ", ".join(f"({w.name}, {1.0 - np.count_nonzero(np.asarray(w)) / np.asarray(w).size})"
                               for w in weights)
            print(f"{layer.name}: {shares}")
    print("\n")


def quantized_model_debug(model: keras.Model, X_test: Any, plot: bool = False, plt_instance: Any = None) -> None:
    """Print, per registered layer of `model` on X_test: its outputs' range (less an auto-scaled activation's
    scale, printed after them), then each weight's range after its quantizer (a kernel less its per-channel
    scale). With plot, histograms through plt_instance (matplotlib.pyplot), which is then required."""
    if plot and plt_instance is None:
        raise ValueError("quantized_model_debug: plot=True needs plt_instance (matplotlib.pyplot)")
    layers = [layer for layer in model.layers if type(layer).__name__ in REGISTERED_LAYERS]
    outputs = _outputs(model, layers, X_test)
    x = np.asarray(X_test)
    print(f"{'input':30} {x.min(): 8.4f} {x.max(): 8.4f}")
    for layer, y in zip(layers, outputs, strict=True):
        kind = type(layer).__name__
        alpha = get_weight_scale(layer.activation) if kind in ("QActivation", "QAdaptiveActivation") else 1.0
        y = np.asarray(y) / alpha
        line = f"{layer.name:30} {y.min(): 8.4f} {y.max(): 8.4f}"
        if np.any(np.asarray(alpha) != 1.0):
            line += f" a[{np.min(alpha): 8.4f} {np.max(alpha):8.4f}]"
        if plot:
            _histogram(plt_instance, y, f"{layer.name}(output)")
        for i, w in enumerate(quantized_layer_weights(layer)):
            if i == 0 and kind in SCALED_KERNELS:
                scale = np.asarray(get_weight_scale(layer.get_quantizers()[0]), dtype=np.float64)
                w = np.where(scale == 0.0, w, w / np.where(scale == 0.0, 1.0, scale))
                if plot:
                    _histogram(plt_instance, w, f"{layer.name}(weights)")
            line += f" ({np.min(w): 8.4f} {np.max(w): 8.4f})"
        print(line)


def quantized_model_dump(model: keras.Model, x_test: Any, output_dir: str | os.PathLike | None = None,
                         layers_to_dump: list[str] | None = None) -> Path:
    """Write each layer's outputs on x_test (those named in layers_to_dump, or all) to output_dir/NAME.bin as raw
    float32 (a new temporary folder when output_dir is None); returns the folder."""
    if output_dir is None:
        import tempfile

        output_dir = tempfile.mkdtemp(prefix="hwq-dump-")
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set(layers_to_dump or [])
    missing = wanted - {layer.name for layer in model.layers}
    if missing:
        raise ValueError(f"quantized_model_dump: no layer named {sorted(missing)} in model {model.name!r}")
    layers = [layer for layer in model.layers if not wanted or layer.name in wanted]
    for layer, y in zip(layers, _outputs(model, layers, x_test), strict=True):
        path = folder / f"{layer.name}.bin"
        np.asarray(y, dtype=np.float32).tofile(path)
        print("writing the layer output tensor to", path)
    return folder


def _outputs(model: keras.Model, layers: list, x: Any) -> list[np.ndarray]:
    if not layers:
        return []
    probe = keras.Model(model.inputs, [layer.output for layer in layers])
    y = probe.predict(x, verbose=0)
    return list(y) if isinstance(y, (list, tuple)) else [y]


def _histogram(plt, values: np.ndarray, title: str) -> None:
    plt.hist(np.ravel(values), bins=25)
    plt.title(title)
    plt.show()
