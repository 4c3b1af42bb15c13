"""The objects nested in a layer's config (quantizers, initializers, constraints, regularizers,
activations), from the dicts and strings Keras 2 / QKeras wrote, with errors naming layer and field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

from hwq.layers import Clip
from hwq.loading.errors import ModelLoadError, where
from hwq.loading.initializer import QInitializer
from hwq.quantizers import get_quantizer

# Keras 2 marks objects nested in other objects' configs with this key; Keras 3 does not know it
PASSIVE = "__passive_serialization__"


def without_passive(value: Any) -> Any:
    """The config with every "__passive_serialization__" marker removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_passive(v) for k, v in value.items() if k != PASSIVE}
    if isinstance(value, list):
        return [without_passive(v) for v in value]
    return value


def quantizer(value: Any) -> Any:
    """A quantizer from a QKeras dict ({"class_name": "quantized_bits", "config": {...}}) or string."""
    return get_quantizer(without_passive(value)) if value is not None else None


def activation(value: Any) -> Any:
    """Strings stay strings (the layers parse "quantized_relu(6,0)" and "softmax" themselves, and keep
    Keras names in their configs); dicts become the quantizer or function they describe."""
    if value is None or isinstance(value, str):
        return value
    return get_quantizer(without_passive(value))


def initializer(value: Any) -> Any:
    value = without_passive(value)
    if isinstance(value, dict) and value.get("class_name") == "QInitializer":
        return QInitializer(**(value.get("config") or {}))
    return keras.initializers.get(value)


def constraint(value: Any) -> Any:
    value = without_passive(value)
    if isinstance(value, dict) and value.get("class_name") == "Clip":
        return Clip(**(value.get("config") or {}))
    return keras.constraints.get(value)


def regularizer(value: Any) -> Any:
    return keras.regularizers.get(without_passive(value))


def _kind(key: str) -> Callable[[Any], Any] | None:
    """How to read a config field, from its name (QKeras names its fields consistently)."""
    if key.endswith("quantizer"):
        return quantizer
    if key == "activation" or key.endswith("_activation"):
        return activation
    if key.endswith("_initializer"):
        return initializer
    if key.endswith("_constraint"):
        return constraint
    if key.endswith("_regularizer"):
        return regularizer
    return None


def resolve_fields(config: dict[str, Any], layer: str, class_name: str) -> dict[str, Any]:
    """Every nested-object field of a layer config as an object; the rest unchanged."""
    out = {}
    for key, value in config.items():
        read = _kind(key)
        if read is None or value is None:
            out[key] = value
            continue
        try:
            out[key] = read(value)
        except ModelLoadError:
            raise
        except Exception as err:  # Keras and the quantizer parser raise several types; all mean "unreadable"
            raise ModelLoadError(f"{where(layer, key, class_name)}: cannot read {value!r}: {err}") from err
    return out
