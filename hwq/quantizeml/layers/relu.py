"""QuantizedReLU: clips integers to [0, max_value], max_value quantized onto the inputs' grid."""

from __future__ import annotations

import numpy as np

from hwq.quantizeml.layers.aligned_weight_quantizer import AlignedWeightQuantizer
from hwq.quantizeml.layers.base import register
from hwq.quantizeml.layers.neural import QuantizedLayer, fixed_point_of
from hwq.quantizeml.tensors import FixedPoint, QFloat, QTensor


@register
class QuantizedReLU(QuantizedLayer):
    """ReLU on a QTensor: max(x, 0), then min(x, max_value) unless max_value is None (default 6).

    max_value is quantized by the max_value_quantizer (an unsigned AlignedWeightQuantizer, 8 bits by default)
    onto the inputs' grid, channel by channel when the inputs are per-axis; a FixedPoint stays a FixedPoint.
    """

    BUFFER_SIGNED = False

    def __init__(self, *args, max_value: float | None = 6, quant_config: dict | None = None, **kwargs) -> None:
        super().__init__(*args, quant_config=quant_config, **kwargs)
        if max_value is not None:
            max_value = float(np.asarray(max_value).item())
            if not max_value > 0:
                raise self.fail(f"max_value must be positive or None, got {max_value!r}")
            self.max_value_quantizer = AlignedWeightQuantizer(
                name="max_value_quantizer", signed=False, **self.quant_config.get("max_value_quantizer", {}))
        self.max_value = max_value

    def build(self, input_shape) -> None:
        self.build_output_quantizer(input_shape)
        super().build(input_shape)

    def call(self, inputs, training=None) -> QTensor:
        if not isinstance(inputs, QTensor):
            raise self.fail(f"accepts QTensor inputs only, got {type(inputs).__name__}", TypeError)
        x = self.prepare_inputs(inputs, expand=False)
        fp = fixed_point_of(x)
        values = np.maximum(fp.values.numpy(), 0)
        if self.max_value is not None:
            ceiling = fixed_point_of(self.max_value_quantizer(np.float64(self.max_value), x))
            values = np.minimum(values, ceiling.values.numpy())
        clipped = FixedPoint(values, fp.value_bits, fp.frac_bits)
        outputs = QFloat(clipped, x.scales) if isinstance(x, QFloat) else clipped
        return self.quantize_outputs(outputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config["max_value"] = self.max_value
        return config
