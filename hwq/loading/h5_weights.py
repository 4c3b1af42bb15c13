"""Weights in tf.keras 2's HDF5 layout, read with h5py and assigned to a Keras 3 model.

Both files tf.keras 2 writes are read: `model.save_weights("x.h5")` (layer groups at the root) and
`model.save("x.h5")` (the same under "model_weights"). Each layer group lists its datasets in a
`weight_names` attribute ("fc1/kernel:0", ...), in the order of the layer's `weights`.
"""

from __future__ import annotations

import os

import h5py
import keras
import numpy as np

from hwq.loading.errors import ModelLoadError, where


def read_legacy_weights(path: str | os.PathLike) -> dict[str, list[tuple[str, np.ndarray]]]:
    """{layer name: [(weight name, array), ...]} for every layer of the file that holds weights."""
    with h5py.File(path, "r") as f:
        root = f.get("model_weights", f)
        layer_names = string_attr(root, "layer_names")
        if layer_names is None:
            raise ModelLoadError(f"{os.fspath(path)}: no 'layer_names' attribute, so not a tf.keras 2 weights "
                                 "file (a Keras 3 '.weights.h5' or '.keras' file is read by hwq.load_model)")
        out = {}
        for name in layer_names:
            if name not in root:
                raise ModelLoadError(f"{os.fspath(path)}: layer {name!r} is listed in 'layer_names' but has no group")
            group = root[name]
            weight_names = string_attr(group, "weight_names") or []
            if weight_names:
                out[name] = [(w, np.asarray(group[w])) for w in weight_names]
    return out


def assign_legacy_weights(model: keras.Model, weights: dict[str, list[tuple[str, np.ndarray]]],
                          source: str = "the H5 file") -> None:
    """Give each layer of `model` its weights from `weights`; every mismatch is an error naming the layer."""
    layers = {layer.name: layer for layer in model.layers}
    for name in weights:
        if name not in layers:
            raise ModelLoadError(f"{where(name)}: {source} holds weights for it, but the model has no such layer")
    for layer in model.layers:
        if not layer.weights:
            continue
        if layer.name not in weights:
            raise ModelLoadError(f"{where(layer.name, class_name=type(layer).__name__)}: has "
                                 f"{len(layer.weights)} weights, {source} has none for it")
        _assign(layer, weights[layer.name], source)


def _assign(layer, stored: list[tuple[str, np.ndarray]], source: str) -> None:
    variables = list(layer.weights)
    if len(stored) != len(variables):
        raise ModelLoadError(f"{where(layer.name, class_name=type(layer).__name__)}: {source} has {len(stored)} "
                             f"weights ({', '.join(n for n, _ in stored)}), the layer has {len(variables)} "
                             f"({', '.join(v.name for v in variables)})")
    by_name = {short_name(n): (n, a) for n, a in stored}
    if len(by_name) == len(stored) and set(by_name) == {v.name for v in variables}:
        pairs = [(v, *by_name[v.name]) for v in variables]
    else:  # names differ (a renamed variable): tf.keras 2 stored them in the layer's weight order
        pairs = [(v, n, a) for v, (n, a) in zip(variables, stored, strict=True)]
    for variable, name, array in pairs:
        if tuple(array.shape) != tuple(variable.shape):
            raise ModelLoadError(f"{where(layer.name, short_name(name), type(layer).__name__)}: {source} has shape "
                                 f"{tuple(array.shape)}, the layer expects {tuple(variable.shape)}")
        variable.assign(array.astype(variable.dtype))


def short_name(weight_name: str) -> str:
    """'fc1/kernel:0' -> 'kernel' (the variable name without scope and output index)."""
    return weight_name.rsplit("/", 1)[-1].split(":", 1)[0]


def string_attr(group, name: str) -> list[str] | None:
    """An HDF5 string-list attribute; Keras 2 splits long ones into name0, name1, ... chunks."""
    if name in group.attrs:
        values = list(group.attrs[name])
    elif f"{name}0" in group.attrs:
        values, i = [], 0
        while f"{name}{i}" in group.attrs:
            values.extend(group.attrs[f"{name}{i}"])
            i += 1
    else:
        return None
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]
