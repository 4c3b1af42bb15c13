"""QuantizeML's quantized tensors, layers and models, on Keras 3 + TensorFlow, exact on integers
(see docs/quantizeml.md)."""

from hwq.quantizeml import layers, models, tensors

__all__ = ["tensors", "layers", "models"]
