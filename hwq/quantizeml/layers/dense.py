"""QuantizedDense: a Dense layer on quantized inputs and weights."""

from __future__ import annotations

import keras

from hwq.quantizeml.layers import integer_ops
from hwq.quantizeml.layers.base import register
from hwq.quantizeml.layers.neural import NeuralLayer


@register
class QuantizedDense(NeuralLayer, keras.layers.Dense):
    """Dense on integers: inputs (per-tensor in the buffer) @ per-channel quantized kernel + aligned bias.

    Args: those of keras.layers.Dense (no activation), and quant_config (weight_quantizer, bias_quantizer,
    output_quantizer, buffer_bitwidth).
    """

    def call(self, inputs, training=None):
        x = self.prepare_inputs(inputs)
        kernel = self.weight_quantizer(self.kernel)
        outputs = self.product(x, kernel, integer_ops.matmul)
        return self.quantize_outputs(self.add_bias(outputs))
