"""QKeras-compatible quantizers whose outputs hwq can describe exactly (see `hw_type()`)."""

from hwq.quantizers.base import BaseQuantizer
from hwq.quantizers.errors import UnsupportedQuantizerError
from hwq.quantizers.parse import get_quantizer, parse_quantizer
from hwq.quantizers.quantized_bits import quantized_bits
from hwq.quantizers.quantized_relu import quantized_relu
from hwq.quantizers.registry import known_quantizers, quantizer_class, register_quantizer

__all__ = [
    "BaseQuantizer", "UnsupportedQuantizerError", "get_quantizer", "parse_quantizer",
    "quantized_bits", "quantized_relu", "known_quantizers", "quantizer_class", "register_quantizer",
]
