"""model_save_quantized_weights: put each layer's weights through its quantizers, for inference.

Returns {layer name: {"weights": [...], "enable_bn_fusing": False, ["signs": [...]], ["scales": [...]]}}
with the weights as hardware uses them, sets the model's weights to the quantized values (as QKeras
does, so software inference uses exactly what hardware will), and optionally saves them:

- power-of-two quantizers: the weights are the exponents round(log2|w|) and, for quantized_po2
  (which has a sign), "signs" holds ±1;
- quantized_bits(alpha='auto_po2'): "scales" holds QKeras' per-channel step scale·m_i/m (m = 2^(bits −
  keep_negative), m_i = 2^integer, scale the quantizer's `scale` attribute) and the weights are the
  integers w/step, so weights · scales == the quantized weights exactly. (QKeras returns w·m/m_i, which
  is that integer only when the scale is 1.)
- everything else: the quantized values.
"""

from __future__ import annotations

import os
from typing import Any

import h5py
import keras
import numpy as np

PO2_QUANTIZERS = ("quantized_po2", "quantized_relu_po2")


def model_save_quantized_weights(model: keras.Model, filename: str | os.PathLike | None = None,
                                 custom_objects: dict | None = None) -> dict[str, dict[str, Any]]:
    """Quantize every layer's weights in place and return them in hardware form (see the module doc).

    `filename` ending in ".weights.h5" is written by Keras 3's save_weights; any other name gets tf.keras 2's
    layout (layer_names/weight_names), which QKeras users' tools and hwq.load_qkeras read.
    `custom_objects` is accepted for QKeras compatibility; nothing needs it here.
    """
    saved: dict[str, dict[str, Any]] = {}
    print("... quantizing model")
    for layer in model.layers:
        if not hasattr(layer, "get_quantizers"):
            if layer.get_weights():
                print(" ", layer.name, "has not been quantized")
            continue
        saved[layer.name] = _quantize_layer(layer)
    if filename is not None:
        filename = os.fspath(filename)
        if filename.endswith(".weights.h5"):
            model.save_weights(filename)
        else:
            write_legacy_weights(model, filename)
    return saved


def _quantize_layer(layer) -> dict[str, Any]:
    quantized, hardware, signs, scales = [], [], [], []
    for quantizer, weight in zip(layer.get_quantizers(), layer.get_weights(), strict=False):
        value = np.asarray(quantizer(weight)) if quantizer is not None else weight
        quantized.append(value)
        name = type(quantizer).__name__
        sign, scale = [], []
        if name in PO2_QUANTIZERS:
            hw = np.round(np.log2(np.abs(value)))
            sign = np.where(value < 0, -1.0, 1.0)
        elif name == "quantized_bits" and getattr(quantizer, "alpha", None) == "auto_po2":
            m = 2.0 ** (quantizer.bits - int(bool(quantizer.keep_negative)))
            m_i = 2.0 ** quantizer.integer
            scale = _po2_scale(layer, quantizer) * m_i / m
            hw = value / scale  # exact: the step is a power of two
        else:
            hw = value
        hardware.append(hw)
        signs.append(sign)
        scales.append(scale)
    names = [type(q).__name__ for q in layer.get_quantizers()]
    entry: dict[str, Any] = {"weights": hardware, "enable_bn_fusing": False}
    if "quantized_po2" in names:
        entry["signs"] = signs
    if any(isinstance(s, np.ndarray) for s in scales):
        entry["scales"] = scales
    layer.set_weights(quantized + layer.get_weights()[len(quantized):])
    return entry


def _po2_scale(layer, quantizer) -> np.ndarray:
    scale = getattr(quantizer, "scale", None)
    if scale is None:
        raise ValueError(f"layer {layer.name!r}: {quantizer} has no scale yet; it is set by calling the quantizer")
    scale = np.asarray(scale.numpy() if hasattr(scale, "numpy") else scale, dtype=np.float64)
    exponents = np.log2(scale)
    if not np.array_equal(exponents, np.round(exponents)):
        raise ValueError(f"layer {layer.name!r}: {quantizer} scale {scale} is not a power of two")
    return scale


def write_legacy_weights(model: keras.Model, path: str | os.PathLike) -> None:
    """The model's weights in tf.keras 2's save_weights layout: <layer>/<layer>/<weight>:0 datasets."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([layer.name.encode() for layer in model.layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = keras.__version__.encode()
        for layer in model.layers:
            group = f.create_group(layer.name)
            names = [f"{layer.name}/{v.name}:0" for v in layer.weights]
            group.attrs["weight_names"] = np.array([n.encode() for n in names])
            for name, value in zip(names, layer.get_weights(), strict=True):
                group.create_dataset(name, data=value)
