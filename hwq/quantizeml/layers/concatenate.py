"""QuantizedConcatenate: FixedPoints joined along an axis, with no rescaling."""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.layers.base import QTensorLayer, register
from hwq.quantizeml.tensors import FixedPoint


@register
class QuantizedConcatenate(QTensorLayer, keras.layers.Concatenate):
    """Concatenates FixedPoints. Along the last axis each input keeps its own frac_bits (the result is per-axis
    unless they all agree); along another axis all inputs must have the same frac_bits. The value bits are the
    widest input's: no value changes."""

    def call(self, inputs):
        if not isinstance(inputs, list | tuple) or len(inputs) < 2 or \
                not all(isinstance(x, FixedPoint) for x in inputs):
            raise self.fail("accepts a list of two or more FixedPoint inputs only", TypeError)
        rank = len(inputs[0].shape)
        axis = self.axis % rank
        values = np.concatenate([x.values.numpy() for x in inputs], axis=axis)
        value_bits = max(x.value_bits for x in inputs)
        return FixedPoint(values, value_bits, self._frac_bits(inputs, axis == rank - 1))

    def _frac_bits(self, inputs, last_axis: bool):
        per_channel = [np.broadcast_to(x.frac_bits.numpy(), (x.shape[-1],)) for x in inputs]
        if all(x.per_tensor for x in inputs) and len({int(f.reshape(-1)[0]) for f in per_channel}) == 1:
            return inputs[0].frac_bits.numpy().reshape(-1)[0]
        if last_axis:
            return np.concatenate(per_channel)
        if any(not np.array_equal(per_channel[0], f) for f in per_channel[1:]):
            raise self.fail("inputs concatenated along a non-channel axis must have the same frac_bits")
        return per_channel[0]
