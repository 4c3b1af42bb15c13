"""QuantizeML's quantized tensors and layers, on Keras 3 + TensorFlow, exact on integers (see docs/quantizeml.md)."""

from hwq.quantizeml import layers, tensors

__all__ = ["tensors", "layers"]
