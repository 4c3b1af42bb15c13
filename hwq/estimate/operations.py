"""Operation kinds of a layer (QKeras' get_operation_type), from the quantizers around it."""

from __future__ import annotations

from typing import Any

from hwq.utils.qstats import OPERATION, get_quant_mode


def get_operation_type(layer, output_cache: dict[Any, Any]) -> str:
    """What multiplies the layer's input by its weights: 'mult', 'barrel', 'mux', 'xor', 'adder' or
    'fmult', from the weight quantizer and the quantizer of the layer's input.

    `output_cache` maps the layer's input tensor (the tensor itself, its id() or its name) to the
    quantizer that produced it; an input not in the cache is a float.
    """
    tensor = layer.input[0] if isinstance(layer.input, list | tuple) else layer.input
    x_quantizer = _lookup(output_cache, tensor)
    quantizers = layer.get_quantizers() if hasattr(layer, "get_quantizers") else [None]
    w_mode = get_quant_mode(quantizers[0])[0]
    x_mode = get_quant_mode(x_quantizer)[0]
    return OPERATION[w_mode][x_mode]


def _lookup(cache: dict[Any, Any], tensor) -> Any:
    for key in (id(tensor), getattr(tensor, "name", None)):
        if key in cache:
            return cache[key]
    for key, value in cache.items():  # tensors as keys (hashed by identity)
        if key is tensor:
            return value
    return None
