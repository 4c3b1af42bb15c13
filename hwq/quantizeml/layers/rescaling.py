"""QuantizedRescaling: the model's integer input wrapped into a QFloat of one float scale."""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.layers.base import QTensorLayer, integer_inputs, register
from hwq.quantizeml.tensors import QFloat, QTensor


@register
class QuantizedRescaling(QTensorLayer, keras.layers.Rescaling):
    """Rescaling of 8-bit integer inputs by a scalar scale, with a zero offset: QFloat(FixedPoint(x, 8, 0),
    scale). Float inputs are truncated toward zero first. The scale stays a float until an OutputQuantizer
    turns it into an integer multiplier and a shift."""

    def __init__(self, scale: float, offset: float = 0.0, **kwargs) -> None:
        super().__init__(scale, offset, **kwargs)
        if np.ndim(scale) != 0 or not np.isfinite(scale) or float(scale) == 0:
            raise self.fail(f"needs one finite nonzero scale, got {scale!r}")
        if np.any(np.asarray(offset) != 0):
            raise self.fail(f"supports a zero offset only, got {offset!r}")

    def call(self, inputs):
        if isinstance(inputs, QTensor):
            raise self.fail("takes the integer model input, not a QTensor", TypeError)
        return QFloat(integer_inputs(inputs, type(self).__name__), float(self.scale))
