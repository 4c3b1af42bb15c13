"""insert_layer: an OutputQuantizer or a Dequantizer after a named layer."""

from __future__ import annotations

import keras

from hwq.quantizeml.layers import Dequantizer, OutputQuantizer
from hwq.quantizeml.models.graph import graph_of, model_of


def insert_layer(model: keras.Model, target_layer_name: str, new_layer: keras.layers.Layer) -> keras.Model:
    """Returns a new model where `new_layer` (an OutputQuantizer or a Dequantizer) reads the output of layer
    `target_layer_name`, and everything that read that output reads `new_layer`'s instead.

    Raises ValueError when target_layer_name is not a layer of the model or new_layer is of another type.
    """
    if not isinstance(new_layer, OutputQuantizer | Dequantizer):
        raise ValueError(f"insert_layer inserts an OutputQuantizer or a Dequantizer, got {type(new_layer).__name__}")
    graph = graph_of(model)
    if graph.node(target_layer_name) is None:
        raise ValueError(f"insert_layer: no layer '{target_layer_name}' in model '{model.name}'")
    graph.insert_after(target_layer_name, new_layer)
    return model_of(graph)
