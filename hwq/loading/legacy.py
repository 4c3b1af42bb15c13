"""hwq.load_qkeras(): Keras 2 (tf.keras 2.x) QKeras model JSON + H5 weights -> a Keras 3 model of hwq layers.

Neither QKeras nor tf.keras 2 is needed: the JSON is read here, layer by layer, and the H5 with h5py.
"""

from __future__ import annotations

import json
import os
from typing import Any

import h5py
import keras

from hwq.loading.errors import ModelLoadError, where
from hwq.loading.h5_weights import assign_legacy_weights, read_legacy_weights
from hwq.loading.layers import make_layer

MODEL_CLASSES = ("Sequential", "Functional", "Model")


def load_qkeras(json_path: str | os.PathLike, h5_path: str | os.PathLike | None = None) -> keras.Model:
    """The model of a Keras 2 QKeras `model.to_json()` file, with the weights of `model.save_weights()`
    (or of a whole-model `model.save("x.h5")`) when `h5_path` is given."""
    with open(json_path, encoding="utf8") as f:
        try:
            config = json.load(f)
        except json.JSONDecodeError as err:
            raise ModelLoadError(f"{os.fspath(json_path)}: not JSON ({err})") from err
    model = model_from_legacy_config(config)
    if h5_path is not None:
        assign_legacy_weights(model, read_legacy_weights(h5_path), source=os.fspath(h5_path))
    return model


def load_legacy_h5_model(path: str | os.PathLike) -> keras.Model:
    """A whole model saved by tf.keras 2's `model.save("x.h5")`: its config attribute, then its weights."""
    with h5py.File(path, "r") as f:
        raw = f.attrs.get("model_config")
    if raw is None:
        raise ModelLoadError(f"{os.fspath(path)}: no 'model_config' attribute: a weights-only file needs the "
                             "model's JSON too, hwq.load_qkeras(json_path, h5_path)")
    config = json.loads(raw.decode("utf8") if isinstance(raw, bytes) else raw)
    model = model_from_legacy_config(config)
    assign_legacy_weights(model, read_legacy_weights(path), source=os.fspath(path))
    return model


def model_from_legacy_config(config: dict[str, Any]) -> keras.Model:
    """A Keras 2 model config ({"class_name": "Sequential" | "Functional" | "Model", "config": ...})."""
    class_name = config.get("class_name")
    if class_name not in MODEL_CLASSES:
        raise ModelLoadError(f"model: class_name {class_name!r} is not a model ({', '.join(MODEL_CLASSES)})")
    body = config.get("config")
    if class_name == "Sequential":
        return _sequential(body)
    return _functional(body)


def _sequential(body: Any) -> keras.Model:
    # Keras 2.0-2.2 wrote the layer list itself; later versions {"name", "layers"}
    entries = body if isinstance(body, list) else body.get("layers", [])
    name = None if isinstance(body, list) else body.get("name")
    if not entries:
        raise ModelLoadError("model: the Sequential config has no layers")
    first = entries[0]
    first_config = first.get("config", {})
    if first.get("class_name") == "InputLayer":
        model_input = _input(first_config)
        entries = entries[1:]
    elif first_config.get("batch_input_shape") is not None:
        model_input = keras.Input(batch_shape=tuple(first_config["batch_input_shape"]),
                                  dtype=_dtype(first_config), name=f"{first_config.get('name', 'model')}_input")
    else:
        raise ModelLoadError(f"{where(first_config.get('name'), 'batch_input_shape', first.get('class_name'))}: "
                             "the model has no InputLayer, and its first layer no input shape")
    layers = [_layer(entry) for entry in entries]
    return keras.Sequential([model_input, *layers], name=name)


def _functional(body: dict[str, Any]) -> keras.Model:
    outputs: dict[str, list] = {}  # layer name -> its outputs, one per call (node), in call order
    for entry in body.get("layers", []):
        cfg = entry.get("config", {})
        name = entry.get("name", cfg.get("name"))
        if entry.get("class_name") == "InputLayer":
            outputs[name] = [_input(cfg)]
            continue
        layer = _layer(entry)
        outputs[name] = []
        for node in entry.get("inbound_nodes", []):
            args, kwargs = _node_inputs(node, outputs, name)
            try:
                outputs[name].append(layer(args, **kwargs))
            except Exception as err:  # Keras raises several types when a call does not fit its inputs
                raise ModelLoadError(f"{where(name, class_name=entry.get('class_name'))}: calling it on its "
                                     f"inputs failed: {err}") from err
    inputs = [_tensor(ref, outputs, "input_layers") for ref in _refs(body.get("input_layers"))]
    model_outputs = [_tensor(ref, outputs, "output_layers") for ref in _refs(body.get("output_layers"))]
    return keras.Model(inputs if len(inputs) > 1 else inputs[0],
                       model_outputs if len(model_outputs) > 1 else model_outputs[0], name=body.get("name"))


def _node_inputs(node: Any, outputs: dict[str, list], layer: str):
    """One inbound node, Keras 2 style: [[layer, node_index, tensor_index, kwargs], ...]."""
    if not isinstance(node, list):
        raise ModelLoadError(f"{where(layer, 'inbound_nodes')}: {node!r} is not a Keras 2 inbound node "
                             "(a list of [layer, node_index, tensor_index, kwargs])")
    tensors, kwargs = [], {}
    for ref in node:
        tensors.append(_tensor(ref, outputs, "inbound_nodes", layer))
        if len(ref) > 3 and isinstance(ref[3], dict):
            kwargs.update({k: v for k, v in ref[3].items() if k != "mask"})
    return (tensors[0] if len(tensors) == 1 else tensors), kwargs


def _tensor(ref: list, outputs: dict[str, list], field: str, layer: str | None = None):
    source, node_index = ref[0], int(ref[1]) if len(ref) > 1 else 0
    tensor_index = int(ref[2]) if len(ref) > 2 else 0
    calls = outputs.get(source)
    if calls is None or node_index >= len(calls):
        raise ModelLoadError(f"{where(layer, field)}: refers to {source!r} (call {node_index}), which comes "
                             "later or does not exist")
    out = calls[node_index]
    return out[tensor_index] if isinstance(out, list | tuple) else out


def _refs(value: Any) -> list:
    """input_layers/output_layers: [[name, node, tensor], ...], or one [name, node, tensor]."""
    if not value:
        raise ModelLoadError("model: the Functional config has no input_layers/output_layers")
    return [value] if isinstance(value[0], str) else list(value)


def _layer(entry: dict[str, Any]) -> keras.layers.Layer:
    class_name = entry.get("class_name")
    config = entry.get("config")
    if class_name in MODEL_CLASSES:
        raise ModelLoadError(f"{where((config or {}).get('name'), class_name=class_name)}: nested models are not "
                             "supported by hwq.load_qkeras; flatten the model first")
    if not isinstance(class_name, str) or not isinstance(config, dict):
        raise ModelLoadError(f"model: layer entry {entry!r} has no class_name/config")
    return make_layer(class_name, config)


def _input(config: dict[str, Any]):
    shape = config.get("batch_input_shape", config.get("batch_shape"))
    if shape is None:
        raise ModelLoadError(f"{where(config.get('name'), 'batch_input_shape', 'InputLayer')}: missing")
    return keras.Input(batch_shape=tuple(shape), dtype=_dtype(config), name=config.get("name"))


def _dtype(config: dict[str, Any]) -> str:
    dtype = config.get("dtype") or "float32"
    return (dtype.get("config") or {}).get("name", "float32") if isinstance(dtype, dict) else dtype
