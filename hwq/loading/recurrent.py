"""Keras 2 configs of recurrent layers and of the wrappers around them (QBidirectional, Bidirectional, ...).

tf.keras 2 writes every RNN's `time_major` (Keras 3 RNNs are batch-major only, so only False can be read),
QKeras' QSimpleRNN reads past an `implementation` field it may carry, and a wrapper holds its layer (and a
Bidirectional its optional backward layer) as a nested {"class_name", "config"} entry, which Keras 3 wants as a
layer object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hwq.loading.errors import ModelLoadError, where

WRAPPED_FIELDS = ("layer", "backward_layer")
DROPPED_BY_QKERAS = {"QSimpleRNN": ("implementation",)}  # what QKeras' from_config discards


def recurrent_fields(config: dict[str, Any], layer: str, class_name: str) -> dict[str, Any]:
    """The config without tf.keras 2's `time_major=False` and the fields QKeras drops when reading the layer."""
    config = dict(config)
    if config.pop("time_major", False):
        raise ModelLoadError(f"{where(layer, 'time_major', class_name)}: True: Keras 3 recurrent layers take "
                             "(batch, time, features) inputs only; transpose the inputs and save with "
                             "time_major=False")
    for key in DROPPED_BY_QKERAS.get(class_name, ()):
        config.pop(key, None)
    return config


def wrapped_layers(config: dict[str, Any], layer: str, class_name: str,
                   make_layer: Callable[[str, dict[str, Any]], Any]) -> dict[str, Any]:
    """The config with a wrapper's nested layer entries built by `make_layer` (the loader's own, so the inner
    layer's fields are read as any layer's are)."""
    config = dict(config)
    for key in WRAPPED_FIELDS:
        entry = config.get(key)
        if entry is None or not isinstance(entry, dict) or "class_name" not in entry:
            continue
        inner = entry.get("config")
        if not isinstance(inner, dict):
            raise ModelLoadError(f"{where(layer, key, class_name)}: {entry!r} has no layer config")
        config[key] = make_layer(entry["class_name"], inner)
    return config
