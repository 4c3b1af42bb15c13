"""QKeras' model I/O helpers: load_qmodel and quantized_model_from_json, without qkeras installed."""

from __future__ import annotations

import json
import os

import keras

from hwq.loading import ModelLoadError, hwq_names, load_model, model_from_legacy_config


def load_qmodel(filepath: str | os.PathLike, custom_objects: dict | None = None, compile: bool = True) -> keras.Model:
    """A saved model (.keras of hwq or qkeras-v3, or a tf.keras 2 whole-model .h5) with hwq's layers."""
    return load_model(filepath, custom_objects=custom_objects, compile=compile)


def quantized_model_from_json(json_string: str, custom_objects: dict | None = None) -> keras.Model:
    """The (unweighted) model of a `model.to_json()` string: Keras 3 JSON (hwq or qkeras-v3 names) or
    tf.keras 2 JSON (read by hwq's own Keras 2 reader)."""
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as err:
        raise ModelLoadError(f"model JSON: cannot parse it ({err})") from err
    if not isinstance(config, dict) or "class_name" not in config:
        raise ModelLoadError("model JSON: expected an object with class_name and config")
    if "module" not in config:  # Keras 3 writes "module" on every object; Keras 2 never does
        return model_from_legacy_config(config)
    config = _without_masks(hwq_names(config))
    return keras.models.model_from_json(json.dumps(config), custom_objects=custom_objects)


def _without_masks(value):
    """Keras 3 writes a layer call's "mask" into inbound node kwargs, and cannot always read it back."""
    if isinstance(value, dict):
        return {k: _without_masks(v) for k, v in value.items() if k != "mask"}
    if isinstance(value, list):
        return [_without_masks(v) for v in value]
    return value
