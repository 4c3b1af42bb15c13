"""Keras 2 / QKeras layer configs -> Keras 3 layer objects (hwq.layers for the Q* classes)."""

from __future__ import annotations

from typing import Any

import keras

import hwq.layers
from hwq.loading.errors import ModelLoadError, where
from hwq.loading.objects import resolve_fields
from hwq.loading.recurrent import recurrent_fields, wrapped_layers

# Keras 2 wrote these on every layer that could start a model; Keras 3 layers do not take them
# (the loader builds the model's Input from them instead)
INPUT_FIELDS = ("batch_input_shape", "input_shape", "batch_size", "input_dim")

# Keras 2 BatchNormalization options Keras 3 dropped, with the value that means "not used"
BN_DROPPED = {"renorm": False, "renorm_clipping": None, "virtual_batch_size": None, "adjustment": None}
BN_IGNORED = ("renorm_momentum", "fused")  # meaningless once renorm is off / an implementation choice

# Keras 3 Dense/Conv fields a QKeras-v3 layer may write and hwq's layers do not take; null means unused
KERAS3_DROPPED_IF_NULL = ("quantization_config", "lora_rank", "lora_alpha")

TRANSPOSED_CONVS = ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "QConv2DTranspose",
                    "QDepthwiseConv2DTranspose", "QSeparableConv2DTranspose")


def layer_class(class_name: str, layer: str) -> type:
    """hwq's class of that name (QKeras names), else Keras' own; an error naming the layer otherwise."""
    cls = getattr(hwq.layers, class_name, None)
    if isinstance(cls, type) and issubclass(cls, keras.layers.Layer):
        return cls
    if class_name.startswith("Q"):
        raise ModelLoadError(f"{where(layer, class_name=class_name)}: hwq.layers has no {class_name} (yet); "
                             f"hwq.layers offers {', '.join(sorted(_hwq_layer_names()))}")
    cls = getattr(keras.layers, class_name, None)
    if isinstance(cls, type) and issubclass(cls, keras.layers.Layer):
        return cls
    raise ModelLoadError(f"{where(layer, class_name=class_name)}: unknown layer class {class_name!r} "
                         "(neither in hwq.layers nor in keras.layers)")


def keras3_config(class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """A Keras 2 layer config with the fields Keras 3 renamed or dropped translated."""
    layer = config.get("name")
    config = {k: v for k, v in config.items() if k not in INPUT_FIELDS}
    if isinstance(config.get("dtype"), dict):  # a Keras 2 mixed-precision Policy
        config["dtype"] = (config["dtype"].get("config") or {}).get("name", "float32")
    if class_name in ("BatchNormalization", "QBatchNormalization"):
        config = _batch_norm(config, layer, class_name)
    if class_name == "LeakyReLU" and "alpha" in config:
        config["negative_slope"] = config.pop("alpha")
    if class_name in TRANSPOSED_CONVS and config.get("groups", 1) == 1:
        config.pop("groups", None)  # Keras 2 wrote groups=1 on every conv; Keras 3's transposed convs take none
    return recurrent_fields(config, layer, class_name)


def drop_unused_keras3_fields(config: dict[str, Any], layer: str, class_name: str) -> dict[str, Any]:
    """Remove Keras 3 Dense/Conv fields (quantization_config, LoRA) that hwq layers lack, if unused."""
    out = dict(config)
    for key in KERAS3_DROPPED_IF_NULL:
        if key in out and out[key] is not None:
            raise ModelLoadError(f"{where(layer, key, class_name)}: {out[key]!r} is not supported by hwq "
                                 "(Keras' own quantization or LoRA on a QKeras layer)")
        out.pop(key, None)
    return out


def make_layer(class_name: str, config: dict[str, Any]) -> keras.layers.Layer:
    """The layer a Keras 2 `{"class_name", "config"}` entry describes, built as a Keras 3 layer."""
    layer = config.get("name")
    cls = layer_class(class_name, layer)
    config = keras3_config(class_name, config)
    if cls.__module__.startswith("hwq."):
        config = drop_unused_keras3_fields(config, layer, class_name)
    config = resolve_fields(config, layer, class_name)
    config = wrapped_layers(config, layer, class_name, make_layer)
    try:
        return cls(**config)
    except (TypeError, ValueError) as err:
        raise ModelLoadError(f"{where(layer, class_name=class_name)}: cannot build it from its config: {err}") from err


def _batch_norm(config: dict[str, Any], layer: str, class_name: str) -> dict[str, Any]:
    axis = config.get("axis")
    if isinstance(axis, list | tuple):
        if len(axis) != 1:
            raise ModelLoadError(f"{where(layer, 'axis', class_name)}: {axis!r}: Keras 3 normalizes over one axis")
        config["axis"] = axis[0]
    for key, unused in BN_DROPPED.items():
        if key in config:
            value = config.pop(key)
            if value != unused:
                raise ModelLoadError(f"{where(layer, key, class_name)}: {value!r} is a Keras 2 option that "
                                     "Keras 3 no longer has")
    for key in BN_IGNORED:
        config.pop(key, None)
    return config


def _hwq_layer_names() -> list[str]:
    return [n for n in dir(hwq.layers)
            if isinstance(getattr(hwq.layers, n), type) and issubclass(getattr(hwq.layers, n), keras.layers.Layer)]
