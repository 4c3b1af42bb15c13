"""QKeras' public helpers of model_quantize (`qkeras.utils.quantize_activation`, `qkeras.utils.get_config`), as
thin faces over the functions hwq's model_quantize uses itself (hwq.utils.quantize), so both follow one rule."""

from __future__ import annotations

from typing import Any

from hwq.utils.quantize import _lookup, _quantized_activation


def quantize_activation(layer_config: dict[str, Any], activation_bits: int) -> None:
    """In place: a layer config's relu / tanh / sigmoid activation becomes quantized_relu / quantized_tanh /
    quantized_sigmoid(activation_bits); any other activation, and a config without one, is left as it is."""
    if layer_config.get("activation") is None:
        return  # QKeras adds no "activation" key where there was none
    layer_config["activation"] = _quantized_activation(layer_config["activation"], activation_bits)


def get_config(quantizer_config: dict[str, Any], layer: dict[str, Any], layer_class: str,
               parameter: str | None = None) -> Any:
    """The quantizer configured for a layer: the entry under the layer's name, else the one under `layer_class`
    ("QDense", ...); with `parameter`, that field of it ("kernel_quantizer", ...). None when nothing is set.

    `layer` is a layer's serialized form ({"class_name": ..., "config": {"name": ...}}), as in QKeras."""
    config = layer.get("config") if isinstance(layer, dict) else None
    name = config.get("name") if isinstance(config, dict) else None
    if name is None:
        raise ValueError(f"get_config: layer must be a serialized layer, {{'class_name': ..., 'config': "
                         f"{{'name': ..., ...}}}}, got {layer!r}")
    return _lookup(quantizer_config, name, layer_class, parameter)


__all__ = ["quantize_activation", "get_config"]
