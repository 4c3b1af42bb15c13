"""qkeras.quantizer_imports: the quantizer classes, by name."""

from hwq.quantizers import (
    bernoulli,
    binary,
    quantized_bits,
    quantized_hswish,
    quantized_linear,
    quantized_po2,
    quantized_relu,
    quantized_relu_po2,
    quantized_sigmoid,
    quantized_tanh,
    quantized_ulaw,
    stochastic_binary,
    stochastic_ternary,
    ternary,
)

__all__ = ["bernoulli", "binary", "quantized_bits", "quantized_hswish", "quantized_linear", "quantized_po2",
           "quantized_relu", "quantized_relu_po2", "quantized_sigmoid", "quantized_tanh", "quantized_ulaw",
           "stochastic_binary", "stochastic_ternary", "ternary"]
