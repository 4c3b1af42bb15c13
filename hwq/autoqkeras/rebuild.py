"""The float model of a trial rebuilt from its configuration: filter tuning.

Filter tuning: AutoQKeras may scale a layer's units (Dense) or filters (convolutions) by one of FILTER_RANGE,
since a coarsely quantized layer may need more channels (or fewer suffice). Keras 3 builds each layer from the
input shape recorded in its serialized `build_config`, so the layers are rebuilt without it and take their
shapes from the new graph; their weights start afresh.
"""

from __future__ import annotations

import copy
from typing import Any

import keras

FILTER_RANGE = [0.5, 0.75, 1.0, 1.5, 2.0]
RESIZABLE_LAYERS = {"Dense": "units", "Conv1D": "filters", "Conv2D": "filters", "Conv2DTranspose": "filters",
                    "SeparableConv1D": "filters", "SeparableConv2D": "filters"}


def scaled(size: int, factor: float) -> int:
    """A layer width times factor, at least one."""
    return max(int(size * factor), 1)


def scaled_target_shape(target_shape: tuple[int, ...], factor: float) -> tuple[int, ...]:
    """A Reshape target whose channel axis (last for channels_last, else first) follows the scaled filters."""
    shape = list(target_shape)
    axis = -1 if keras.config.image_data_format() == "channels_last" else 0
    shape[axis] = scaled(shape[axis], factor)
    return tuple(shape)


def rebuilt_model(model: keras.Model, widths: dict[str, int], targets: dict[str, tuple[int, ...]],
                  custom_objects: dict | None = None) -> keras.Model:
    """`model` freshly initialized with layer name -> new units/filters (widths) and new Reshape target shapes."""
    serialized = copy.deepcopy(keras.saving.serialize_keras_object(model))
    layers = serialized.get("config", {}).get("layers")
    if not isinstance(layers, list):
        raise ValueError(f"AutoQKeras rebuilds the model from its config, and {model.name!r} "
                         f"({type(model).__name__}) has no layer list in it")
    for entry in layers:
        config: dict[str, Any] = entry.get("config", {})
        name = config.get("name")
        if widths or targets:
            entry.pop("build_config", None)  # the recorded input shapes are stale once a width changes
        if name in widths:
            config[RESIZABLE_LAYERS[entry["class_name"]]] = widths[name]
        if name in targets:
            config["target_shape"] = list(targets[name])
    with keras.saving.custom_object_scope(dict(custom_objects or {})):
        return keras.saving.deserialize_keras_object(serialized)


def copy_matching_weights(source: keras.Model, target: keras.Model) -> None:
    """Copy each layer's weights (by name) where every weight keeps its shape; resized layers keep their own."""
    for layer in target.layers:
        try:
            original = source.get_layer(layer.name)
        except ValueError:
            continue
        weights, new = original.get_weights(), layer.get_weights()
        if weights and len(weights) == len(new) and all(w.shape == n.shape for w, n in zip(weights, new, strict=True)):
            layer.set_weights(copy.deepcopy(weights))


__all__ = ["FILTER_RANGE", "RESIZABLE_LAYERS", "scaled", "scaled_target_shape", "rebuilt_model",
           "copy_matching_weights"]
