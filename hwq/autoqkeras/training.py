"""The training settings every trial inherits from the user's compiled model: optimizer, learning rate, loss.

Keras 3 optimizers hold slots for the variables of the one model they first trained, so each trial gets a fresh
optimizer of the same class and configuration (the learning rate possibly replaced) instead of the user's object.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np


def require_compiled(model: keras.Model) -> keras.optimizers.Optimizer:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError(f"AutoQKeras trains every trial with the model's optimizer and loss: compile "
                         f"{model.name!r} first (model.compile(optimizer=..., loss=..., metrics=[...]))")
    return optimizer


def learning_rate_of(optimizer: keras.optimizers.Optimizer) -> float:
    """The optimizer's current learning rate (a schedule's value at its current step)."""
    return float(np.asarray(keras.ops.convert_to_numpy(optimizer.learning_rate)))


def fresh_optimizer(optimizer: keras.optimizers.Optimizer, learning_rate: float | None = None) -> Any:
    """A new, unbuilt optimizer configured like `optimizer`; learning_rate replaces its rate (or schedule)."""
    config = optimizer.get_config()
    if learning_rate is not None:
        config["learning_rate"] = float(learning_rate)
    return type(optimizer).from_config(config)


def early_stopping_callbacks(callbacks: list | None, epochs: int) -> list:
    """The callbacks with a val_loss EarlyStopping (patience epochs // 5, at most 20) unless one is there."""
    callbacks = list(callbacks or [])
    if not any(isinstance(c, keras.callbacks.EarlyStopping) for c in callbacks):
        callbacks.append(keras.callbacks.EarlyStopping("val_loss", patience=min(20, epochs // 5)))
    return callbacks


__all__ = ["require_compiled", "learning_rate_of", "fresh_optimizer", "early_stopping_callbacks"]
