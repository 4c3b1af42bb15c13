"""The quantizers AutoQKeras may pick when the user gives no `quantization_config`.

Four menus, each mapping a quantizer string to the bits it costs: "kernel" (weights), "bias", "activation"
(a layer's or an Activation layer's non-linearity) and "linear" (an Activation("linear") layer, which AutoQKeras
uses as a plain re-quantization point). A `limit` entry then narrows a menu by a bit ceiling or a sub-list. The
choices are the ones QKeras offers by default, so a search over the default space considers the same models.
"""

from __future__ import annotations

default_quantization_config: dict[str, dict[str, int]] = {
    "kernel": {
        "binary": 1,
        "stochastic_binary": 1,
        "ternary": 2,
        "stochastic_ternary": 2,
        "quantized_bits(2,1,1,alpha=1.0)": 2,
        "quantized_bits(4,0,1)": 4,
        "quantized_bits(8,0,1)": 8,
        "quantized_po2(4,1)": 4,
    },
    "bias": {
        "quantized_bits(4,0,1)": 4,
        "quantized_bits(8,3,1)": 8,
        "quantized_po2(4,8)": 4,
    },
    "activation": {
        "binary": 1,
        "binary(alpha='auto_po2')": 1,
        "ternary": 2,
        "quantized_relu(3,1)": 3,
        "quantized_relu(4,2)": 4,
        "quantized_relu(8,2)": 8,
        "quantized_relu(8,4)": 8,
        "quantized_relu(16,8)": 16,
        "quantized_relu_po2(4,4)": 4,
    },
    "linear": {
        "binary": 1,
        "ternary": 2,
        "quantized_bits(4,1)": 4,
        "quantized_bits(8,2)": 8,
        "quantized_bits(16,10)": 16,
        "quantized_po2(6,4)": 6,
    },
}

__all__ = ["default_quantization_config"]
