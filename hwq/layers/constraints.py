"""Clip: the weight constraint QDense adds for quantized weights, as QKeras does."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="hwq")
class Clip(keras.constraints.Constraint):
    """Clip weights to [min_value, max_value] after each update.

    QKeras gives every quantized weight without a user constraint Clip(-max(1, q.max()), max(1, q.max())),
    so weights cannot wander far outside the quantizer's range while the STE gradient keeps pushing.
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0) -> None:
        self.min_value = float(min_value)
        self.max_value = float(max_value)

    def __call__(self, w):
        return ops.clip(w, self.min_value, self.max_value)

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value}


def get_constraint(identifier: Any, quantizer) -> keras.constraints.Constraint:
    """QKeras' qlayers.get_constraint: the user's constraint if given (a Clip config included), else a clip to
    +-max(1, quantizer.max()) (+-1 for a quantizer without a max)."""
    if identifier:
        if isinstance(identifier, dict) and identifier.get("class_name") == "Clip":
            return Clip.from_config(dict(identifier.get("config") or {}))
        return keras.constraints.get(identifier)
    limit = max(1.0, float(quantizer.max())) if hasattr(quantizer, "max") else 1.0
    return Clip(-limit, limit)


def weight_constraint(identifier: Any, quantizer) -> keras.constraints.Constraint | None:
    """The user's constraint if given; otherwise QKeras' default clip for a quantized weight (none when the
    weight is not quantized)."""
    if not identifier and quantizer is None:
        return None
    return get_constraint(identifier, quantizer)
