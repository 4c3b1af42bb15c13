"""QuantizedBatchNormalization: y = a * x + b on integers, a and b folded from the batch statistics."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from hwq.quantizeml.layers.aligned_weight_quantizer import AlignedWeightQuantizer
from hwq.quantizeml.layers.base import register
from hwq.quantizeml.layers.neural import QuantizedLayer, integer_product
from hwq.quantizeml.layers.weight_quantizer import WeightQuantizer
from hwq.quantizeml.tensors import QTensor

DEFAULT_A_BITS = 8  # QuantizeML's default a_quantizer bitwidth


@register
class QuantizedBatchNormalization(QuantizedLayer):
    """Normalizes the last axis: y = a * x + b with a = gamma / sigma, b = beta - mu * gamma / sigma and
    sigma = sqrt(moving_variance + epsilon) (float32, as the float layer).

    a is quantized by the a_quantizer (a WeightQuantizer; on a 1-D tensor its range is the whole tensor's, so a
    gets one scale), b by the b_quantizer onto the grid of a * x. The variables gamma, beta, moving_mean and
    moving_variance are those of keras.layers.BatchNormalization, so its weights load directly.
    """

    def __init__(self, *args, quant_config: dict | None = None, axis: int = -1, epsilon: float = 1e-3,
                 **kwargs) -> None:
        super().__init__(*args, quant_config=quant_config, **kwargs)
        if not float(epsilon) > 0:
            raise self.fail(f"epsilon must be positive, got {epsilon!r}")
        self.axis = axis
        self.epsilon = float(epsilon)
        a_config = self.quant_config.setdefault("a_quantizer", {"bitwidth": DEFAULT_A_BITS})
        self.a_quantizer = WeightQuantizer(name="a_quantizer", **a_config)
        self.b_quantizer = AlignedWeightQuantizer(name="b_quantizer", **self.quant_config.get("b_quantizer", {}))

    def build(self, input_shape) -> None:
        rank = len(input_shape)
        if rank not in (3, 4):
            raise self.fail(f"supports inputs of rank 3 or 4, got shape {input_shape}")
        if self.axis not in (-1, rank - 1):
            raise self.fail(f"normalizes the last axis only, got axis={self.axis}")
        channels = (input_shape[-1],)
        for name, init in (("gamma", "ones"), ("beta", "zeros"), ("moving_mean", "zeros"),
                           ("moving_variance", "ones")):
            setattr(self, name, self.add_weight(name=name, shape=channels, initializer=init, dtype="float32",
                                                trainable=name in ("gamma", "beta")))
        self.build_output_quantizer(input_shape)

    def folded(self) -> tuple[np.ndarray, np.ndarray]:
        """(a, b) as float32 numbers, computed as QuantizeML does (rsqrt of the variance plus epsilon)."""
        sigma_rec = tf.math.rsqrt(self.moving_variance + self.epsilon)
        a = self.gamma * sigma_rec
        return a.numpy(), (self.beta - self.moving_mean * a).numpy()

    def call(self, inputs, training=None) -> QTensor:
        x = self.prepare_inputs(inputs)
        if not x.per_tensor:
            raise self.fail("needs per-tensor inputs")
        a, b = self.folded()
        outputs = integer_product(x, self.a_quantizer(a), np.multiply)  # saturates to the buffer, once
        return self.quantize_outputs(outputs + self.b_quantizer(b, outputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config

