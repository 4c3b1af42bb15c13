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


def get_initializer(identifier: Any):
    """QKeras' qlayers.get_initializer: None, an initializer, its name, or a Keras 3 or Keras 2 config (a
    QInitializer's included) -> the initializer; ValueError for anything else."""
    if identifier is None:
        return None
    if isinstance(identifier, dict) and identifier.get("class_name") == "QInitializer":
        return QInitializer(**_plain_config(identifier))
    if isinstance(identifier, dict):
        return keras.initializers.get({k: v for k, v in identifier.items() if k != "__passive_serialization__"})
    if isinstance(identifier, str):
        return keras.initializers.get(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"cannot interpret initializer {identifier!r}: expected None, an initializer, its name or "
                     "its config")


def get_auto_range_constraint_initializer(quantizer: Any, constraint: Any, initializer: Any) -> tuple:
    """QKeras' qlayers helper: (constraint, initializer) for a weight quantized by `quantizer`: the constraint
    of get_constraint, and the initializer wrapped in a QInitializer that keeps its draw within the quantizer's
    range (not Ones, Zeros or a QInitializer already, nor for a quantizer whose alpha is a string such as
    "auto", whose range is only known in training). With no quantizer both come back as given."""
    from hwq.layers.constraints import get_constraint

    if quantizer is None:
        return constraint, initializer
    constraint = get_constraint(constraint, quantizer)
    initializer = get_initializer(initializer)
    keep = initializer is None or type(initializer).__name__ in ("Ones", "Zeros", "QInitializer") or \
        isinstance(getattr(quantizer, "alpha", None), str)
    return constraint, initializer if keep else QInitializer(initializer, use_scale=True, quantizer=quantizer)


def _initializer(identifier: Any):
    """Keras 3 and Keras 2 initializer configs, a QInitializer nested in another included."""
    return get_initializer(identifier)


def _plain_config(identifier: dict) -> dict:
    return dict(identifier.get("config") or {})
