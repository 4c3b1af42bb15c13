"""insert_rescaling: a Rescaling right after the model input."""

from __future__ import annotations

import keras

from hwq.quantizeml.models.graph import graph_of, model_of


def insert_rescaling(model: keras.Model, scale: float, offset: float) -> keras.Model:
    """Returns a new model computing model(x * scale + offset): a Rescaling after the (single) Input.

    Raises ValueError when the model does not have exactly one Input.
    """
    graph = graph_of(model)
    if len(graph.inputs) != 1:
        raise ValueError(f"insert_rescaling needs a model with one Input, '{model.name}' has {len(graph.inputs)}")
    rescaling = keras.layers.Rescaling(scale, offset, name=f"{model.name}_rescaling")
    graph.insert_after(graph.inputs[0].name, rescaling)
    return model_of(graph)
