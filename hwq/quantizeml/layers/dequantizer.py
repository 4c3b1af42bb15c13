"""Dequantizer: QTensors back to float, at the end of a quantized model."""

from __future__ import annotations

import keras

from hwq.quantizeml.layers.base import QTensorLayer, register
from hwq.quantizeml.layers.recorders import TensorRecorder
from hwq.quantizeml.tensors import QFloat, QTensor


@register
class Dequantizer(QTensorLayer):
    """Converts QTensor inputs (one, or a list) to float64 tensors; other inputs pass unchanged.

    float64 keeps every FixedPoint exact (values have at most 53 bits); a QFloat costs one float product.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.frac_bits = TensorRecorder(self.name + "/frac_bits")
        self.scales = TensorRecorder(self.name + "/scales")

    def call(self, inputs):
        if isinstance(inputs, list | tuple):
            return [self._dequantize(x) for x in inputs]
        return self._dequantize(inputs)

    def _dequantize(self, x):
        if not isinstance(x, QTensor):
            return x
        self.frac_bits(x.frac_bits)
        if isinstance(x, QFloat):
            self.scales(x.scales)
        return x.to_float()

    def compute_output_spec(self, inputs):
        def spec(x):
            return keras.KerasTensor(x.shape, dtype="float64")
        return [spec(x) for x in inputs] if isinstance(inputs, list | tuple) else spec(inputs)
