"""QuantizeML's quantized tensors, on Keras 3 + TensorFlow, exact on integers (see docs/quantizeml.md)."""

from hwq.quantizeml import tensors

__all__ = ["tensors"]
