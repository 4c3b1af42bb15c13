"""QInitializer: QKeras' kernel initializer that keeps initial weights usable by a coarse quantizer.

QKeras writes it into the config of every quantized layer it saves, so reading QKeras files needs it.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from hwq.quantizers import BaseQuantizer, get_quantizer


@keras.saving.register_keras_serializable(package="hwq")
class QInitializer(keras.initializers.Initializer):
    """Draw from `initializer`; if the draw is finer than the quantizer's grid, widen it and redraw; clip.

    A coarse quantizer (few bits) would round a small initial draw to all zeros, and training could not
    start. So when the quantizer's step (max · 2^-bits) exceeds the draw's standard deviation and
    `use_scale` is set, a variance-scaling initializer's `scale` grows by the factor that makes the
    quantized draw fit the draw in least squares (never shrinks), and the weights are drawn again.
    The result is clipped to ±quantizer.max(), the range the layer's Clip constraint keeps them in.
    """

    def __init__(self, initializer: Any, use_scale: bool, quantizer: Any) -> None:
        self.initializer = _initializer(initializer)
        self.use_scale = bool(use_scale)
        self.quantizer = get_quantizer(quantizer)

    def __call__(self, shape, dtype=None):
        x = np.asarray(self.initializer(shape, dtype=dtype))
        limit = self._limit()
        if limit is None:
            return keras.ops.convert_to_tensor(x, dtype=dtype)
        bits = getattr(self.quantizer, "bits", None)
        if self.use_scale and bits is not None and hasattr(self.initializer, "scale"):
            step = limit * 2.0 ** -float(bits)
            if step > float(np.std(x)):
                self.initializer.scale *= max(self._growth(x, limit), 1.0)
                x = np.asarray(self.initializer(shape, dtype=dtype))
        return keras.ops.convert_to_tensor(np.clip(x, -limit, limit), dtype=dtype)

    def _limit(self) -> float | None:
        if not isinstance(self.quantizer, BaseQuantizer) or not hasattr(self.quantizer, "max"):
            return None
        return float(self.quantizer.max())

    def _growth(self, x: np.ndarray, limit: float) -> float:
        q = np.asarray(self.quantizer.copy()(x), dtype=np.float64)
        if not np.any(q):
            # everything rounded to zero: scale the draw's rms up to the quantizer's range
            return limit / float(np.sqrt(np.mean(x * x)))
        return float(np.sum(q * q) / np.sum(q * x))

    def get_config(self) -> dict[str, Any]:
        quantizer = (keras.saving.serialize_keras_object(self.quantizer)
                     if isinstance(self.quantizer, BaseQuantizer) else self.quantizer)
        return {"initializer": keras.initializers.serialize(self.initializer), "use_scale": self.use_scale,
                "quantizer": quantizer}


def _initializer(identifier: Any):
    """Keras 3 and Keras 2 initializer configs, a QInitializer nested in another included."""
    if isinstance(identifier, dict) and identifier.get("class_name") == "QInitializer":
        return QInitializer(**_plain_config(identifier))
    if isinstance(identifier, dict):
        identifier = {k: v for k, v in identifier.items() if k != "__passive_serialization__"}
    return keras.initializers.get(identifier)


def _plain_config(identifier: dict) -> dict:
    return dict(identifier.get("config") or {})
