"""QKeras-compatible quantizers whose outputs hwq can describe exactly (see `hw_kind()`)."""

from hwq.quantizers.base import BaseQuantizer
from hwq.quantizers.bernoulli import bernoulli
from hwq.quantizers.binary import binary, stochastic_binary
from hwq.quantizers.codebook import codebook
from hwq.quantizers.errors import UnsupportedQuantizerError
from hwq.quantizers.initializers import get_quantized_initializer, get_weight_scale
from hwq.quantizers.parse import get_quantizer, parse_quantizer
from hwq.quantizers.quantized_bits import quantized_bits
from hwq.quantizers.quantized_hswish import quantized_hswish
from hwq.quantizers.quantized_linear import quantized_linear
from hwq.quantizers.quantized_po2 import quantized_po2, quantized_relu_po2
from hwq.quantizers.quantized_relu import quantized_relu
from hwq.quantizers.quantized_sigmoid import quantized_sigmoid
from hwq.quantizers.quantized_tanh import quantized_tanh
from hwq.quantizers.quantized_ulaw import quantized_ulaw
from hwq.quantizers.registry import known_quantizers, quantizer_class, register_quantizer
from hwq.quantizers.sigmoid_functions import (
    binary_sigmoid,
    binary_tanh,
    hard_sigmoid,
    hard_tanh,
    set_internal_sigmoid,
    smooth_sigmoid,
    smooth_tanh,
)
from hwq.quantizers.stochastic import stochastic_round, stochastic_round_po2
from hwq.quantizers.ternary import stochastic_ternary, ternary

__all__ = [
    "BaseQuantizer", "UnsupportedQuantizerError", "get_quantizer", "parse_quantizer",
    "known_quantizers", "quantizer_class", "register_quantizer",
    "quantized_bits", "quantized_linear", "quantized_relu", "quantized_po2", "quantized_relu_po2",
    "quantized_tanh", "codebook", "quantized_sigmoid", "quantized_ulaw", "quantized_hswish",
    "binary", "stochastic_binary", "ternary", "stochastic_ternary", "bernoulli",
    "hard_sigmoid", "smooth_sigmoid", "binary_sigmoid", "hard_tanh", "smooth_tanh", "binary_tanh",
    "set_internal_sigmoid", "stochastic_round", "stochastic_round_po2",
    "get_quantized_initializer", "get_weight_scale",
]
