"""dump_config: the quant_config of every quantized layer, the complete q_config of a quantized model."""

from __future__ import annotations

import copy

import keras

from hwq.quantizeml.models.layer_map import is_quantized


def dump_config(model: keras.Model) -> dict[str, dict]:
    """{layer name: quant_config} for each quantized layer that has one. Passed as q_config to quantize, it
    rebuilds the same quantization from the float model, whatever the qparams."""
    config = {}
    for layer in model.layers:
        quant_config = getattr(layer, "quant_config", None)
        if is_quantized(layer) and quant_config:
            config[layer.name] = copy.deepcopy(quant_config)
    return config
