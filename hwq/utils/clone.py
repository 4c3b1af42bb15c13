"""clone_model (QKeras' utils): a new model of the same layers (quantizers included) holding a copy of the weights."""

from __future__ import annotations

import keras


def clone_model(model: keras.Model, custom_objects: dict | None = None) -> keras.Model:
    """The model rebuilt from its config with the same weights (custom_objects: any classes Keras must find)."""
    with keras.saving.custom_object_scope(dict(custom_objects or {})):
        clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return clone
