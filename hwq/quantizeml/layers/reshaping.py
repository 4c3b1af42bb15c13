"""Layers that move integers without changing them: QuantizedFlatten, QuantizedReshape, QuantizedPermute,
QuantizedDropout (a passthrough in inference)."""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.layers.base import QTensorLayer, register
from hwq.quantizeml.layers.neural import fixed_point_of
from hwq.quantizeml.layers.pooling import same_grid
from hwq.quantizeml.tensors import QTensor


class MovingLayer(QTensorLayer):
    """Rearranges a QTensor's values. Per-axis frac_bits/scales follow the last axis, so the last axis must stay
    in place (same size, same position) unless the QTensor is per-tensor."""

    def call(self, inputs):
        if not isinstance(inputs, QTensor):
            raise self.fail(f"accepts QTensor inputs only, got {type(inputs).__name__}", TypeError)
        values = fixed_point_of(inputs).values.numpy()
        moved = self.move(values)
        if not inputs.per_tensor and not self.keeps_last_axis(values.shape, moved.shape):
            raise self.fail("per-axis inputs need the last axis kept in place: quantize them per-tensor")
        return same_grid(inputs, moved)

    def keeps_last_axis(self, before, after) -> bool:
        return before[-1] == after[-1]


@register
class QuantizedFlatten(MovingLayer, keras.layers.Flatten):
    """Flatten on a QTensor (per-tensor, unless it is already (batch, channels))."""

    def move(self, values: np.ndarray) -> np.ndarray:
        return values.reshape(values.shape[0], -1)

    def keeps_last_axis(self, before, after) -> bool:
        return len(before) == 2


@register
class QuantizedReshape(MovingLayer, keras.layers.Reshape):
    """Reshape on a QTensor (per-axis only when the last axis is unchanged)."""

    def move(self, values: np.ndarray) -> np.ndarray:
        return values.reshape(values.shape[0], *self.target_shape)


@register
class QuantizedPermute(MovingLayer, keras.layers.Permute):
    """Permute on a QTensor (per-axis only when the last axis stays last)."""

    def move(self, values: np.ndarray) -> np.ndarray:
        return np.transpose(values, (0, *self.dims))

    def keeps_last_axis(self, before, after) -> bool:
        return self.dims[-1] == len(before) - 1


@register
class QuantizedDropout(QTensorLayer, keras.layers.Dropout):
    """Dropout on a QTensor: a passthrough (quantized models are for inference)."""

    def call(self, inputs, training=None):
        if not isinstance(inputs, QTensor):
            raise self.fail(f"accepts QTensor inputs only, got {type(inputs).__name__}", TypeError)
        return inputs
