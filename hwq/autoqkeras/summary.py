"""Reading a quantized model back: a one-line-per-layer summary and the quantization dictionary (QKeras'
autoqkeras.utils), for inspecting what a search chose and for saving it beside the model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keras

Q_SEQUENCE_LAYERS = ["QSimpleRNN", "QLSTM", "QGRU", "QBidirectional"]
_FILTER_LAYERS = ("Conv2D", "QConv2D", "Conv1D", "QConv1D", "QConv2DBatchnorm", "QDepthwiseConv2DBatchnorm")


def print_qmodel_summary(q_model: keras.Model) -> None:
    """Prints each quantized layer: its width (u= units, f= filters), quantizers and activation."""
    for layer in q_model.layers:
        kind = type(layer).__name__
        if kind in ("QActivation", "QAdaptiveActivation"):
            print(f"{layer.name:20} {layer.activation}")
        elif kind == "QBatchNormalization":
            mean = keras.ops.convert_to_numpy(layer.moving_mean)
            print(f"{layer.name:20} QBN, mean={mean}")
        elif kind == "BatchNormalization":
            print(f"{layer.name:20} is normal keras bn layer")
        elif hasattr(layer, "get_quantizers"):
            print(_weight_layer_line(layer, kind))
    print()


def _weight_layer_line(layer: Any, kind: str) -> str:
    parts = [f"{layer.name:20}"]
    if "Dense" in kind:
        parts.append(f"u={layer.units}")
    elif kind in _FILTER_LAYERS:
        parts.append(f"f={layer.filters}")
    parts += [str(q) for q in layer.get_quantizers() if q is not None]
    if hasattr(layer, "recurrent_activation"):
        parts.append(f"recurrent act={layer.recurrent_activation}")
    activation = getattr(layer, "activation", None)
    if activation is not None and getattr(activation, "__name__", None) != "linear":
        parts.append(f"act={activation}")
    return " ".join(parts)


def get_quantization_dictionary(q_model: keras.Model) -> dict[str, Any]:
    """{layer name: layer.get_quantization_config()} for every layer that has quantizers to report."""
    return {layer.name: layer.get_quantization_config() for layer in q_model.layers
            if hasattr(layer, "get_quantization_config")}


def save_quantization_dict(fn: str | Path, q_model: keras.Model) -> None:
    """Writes get_quantization_dictionary(q_model) as one line of JSON to the file fn."""
    Path(fn).write_text(json.dumps(get_quantization_dictionary(q_model)) + "\n")


__all__ = ["Q_SEQUENCE_LAYERS", "print_qmodel_summary", "get_quantization_dictionary", "save_quantization_dict"]
