"""QAveragePooling2D and QGlobalAveragePooling2D: averages whose 1/area factor is quantized.

Hardware averages by summing and multiplying with a constant 1/area; QKeras quantizes that constant
with `average_quantizer`, so the layer computes sum(window) · Q(1/area) — not the float mean — and the
optional `activation` (a quantizer) then quantizes the result. Without average_quantizer the layers are
Keras' float averages.
"""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops

from hwq.layers.common import (
    apply,
    internal_quantizer,
    optional_activation,
    serialize_optional_activation,
    serialize_quantizer,
)


class _QAverageMixin:
    """average_quantizer and activation handling shared by both pooling layers."""

    def _init_quantizers(self, average_quantizer, activation) -> None:
        self.average_quantizer = average_quantizer
        self.average_quantizer_internal = internal_quantizer(average_quantizer)
        self.quantizers = [self.average_quantizer_internal]
        # None stays None: QKeras applies no activation at all then
        self.activation = optional_activation(activation)

    def _inverse_area(self, area: int, training):
        """Q(1/area), the constant the hardware multiplies the window sum by."""
        return ops.cast(apply(self.average_quantizer_internal, 1.0 / area, training), "float32")

    def _activate(self, x, training):
        return apply(self.activation, x, training)

    def _floating(self, inputs):
        """Integer inputs (pixel codes) as the layer's float dtype: TensorFlow's average pooling takes floats only,
        and QKeras averages integer tensors."""
        x = ops.convert_to_tensor(inputs)
        return x if "float" in str(x.dtype) else ops.cast(x, self.compute_dtype)

    def _quantizer_config(self) -> dict[str, Any]:
        return {"average_quantizer": serialize_quantizer(self.average_quantizer_internal),
                "activation": serialize_optional_activation(self.activation)}

    def get_quantizers(self) -> list:
        return self.quantizers

    def get_quantization_config(self) -> dict[str, str]:
        return {"average_quantizer": str(self.average_quantizer_internal), "activation": str(self.activation)}


@keras.saving.register_keras_serializable(package="hwq")
class QAveragePooling2D(_QAverageMixin, keras.layers.AveragePooling2D):
    """activation(avg_pool(inputs · area) · average_quantizer(1/area)), area = pool height · width.

    Keras' average of inputs·area is the window sum (exactly, where the float sums are exact). With
    padding='same', Keras divides border windows by the number of valid inputs, so a border output is
    that smaller window's mean·area·Q(1/area) — what QKeras computes too.
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding: str = "valid", data_format: str | None = None,
                 average_quantizer=None, activation=None, **kwargs) -> None:
        super().__init__(pool_size=pool_size, strides=strides, padding=padding, data_format=data_format, **kwargs)
        self._init_quantizers(average_quantizer, activation)

    def call(self, inputs, training=None):
        inputs = self._floating(inputs)
        if self.average_quantizer_internal is None:
            return self._activate(super().call(inputs), training)
        area = math.prod(self.pool_size)
        x = super().call(inputs * float(area))
        return self._activate(x * self._inverse_area(area, training), training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._quantizer_config())
        return config


@keras.saving.register_keras_serializable(package="hwq")
class QGlobalAveragePooling2D(_QAverageMixin, keras.layers.GlobalAveragePooling2D):
    """activation(sum over height and width · average_quantizer(1/(height · width))); keepdims as in Keras."""

    def __init__(self, data_format: str | None = None, average_quantizer=None, activation=None, **kwargs) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._init_quantizers(average_quantizer, activation)

    def _spatial_axes(self) -> tuple[int, int]:
        return (1, 2) if self.data_format == "channels_last" else (2, 3)

    def compute_pooling_area(self, input_shape) -> int:
        """height · width of the input (QKeras' name); both must be known when the layer is called."""
        height, width = (input_shape[a] for a in self._spatial_axes())
        if height is None or width is None:
            raise ValueError(f"{type(self).__name__} with an average_quantizer needs known spatial sizes, "
                             f"got input shape {tuple(input_shape)}")
        return int(height) * int(width)

    def call(self, inputs, training=None):
        inputs = self._floating(inputs)
        if self.average_quantizer_internal is None:
            return self._activate(super().call(inputs), training)
        total = ops.sum(inputs, axis=self._spatial_axes(), keepdims=self.keepdims)
        area = self.compute_pooling_area(inputs.shape)
        return self._activate(total * self._inverse_area(area, training), training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._quantizer_config())
        return config
