"""qkeras.qtools.quantized_operators.quantizer_impl: the qtools quantizer classes (hwq.qtools.quantizer_impl)."""

from hwq.qtools.quantizer_impl import (
    FLOATINGPOINT_BITS,
    Bernoulli,
    Binary,
    FloatingPoint,
    IQuantizer,
    PowerOfTwo,
    QuantizedBits,
    QuantizedRelu,
    QuantizedTanh,
    QuantizedUlaw,
    ReluPowerOfTwo,
    StochasticBinary,
    StochasticTernary,
    Ternary,
    get_exp,
    get_np_value,
)

__all__ = ["FLOATINGPOINT_BITS", "get_np_value", "get_exp", "IQuantizer", "QuantizedBits", "QuantizedTanh",
           "QuantizedUlaw", "Binary", "StochasticBinary", "Bernoulli", "QuantizedRelu", "Ternary",
           "StochasticTernary", "FloatingPoint", "PowerOfTwo", "ReluPowerOfTwo"]
