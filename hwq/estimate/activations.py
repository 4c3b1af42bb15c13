"""create_activation_cache: a model that returns every layer's output, to read the ranges layers see."""

from __future__ import annotations

import keras


def create_activation_cache(model: keras.Model) -> keras.Model:
    """A model on the same inputs whose outputs are {layer name: that layer's output} for every layer
    but the input layers (QKeras returns a list; a dict says which output is which)."""
    outputs = {layer.name: layer.output for layer in model.layers if type(layer).__name__ != "InputLayer"}
    return keras.Model(model.inputs, outputs, name=f"{model.name}_activation_cache")


def layer_inputs(model: keras.Model, x_sample, cache_outputs: dict) -> dict[str, object]:
    """{layer name: the sample values of its (first) input}, from the cache's outputs and the sample."""
    producers = {id(layer.output): layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"}
    samples = x_sample if isinstance(x_sample, list | tuple) else [x_sample]
    model_inputs = {id(t): s for t, s in zip(model.inputs, samples, strict=True)}
    out = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        tensor = layer.input[0] if isinstance(layer.input, list | tuple) else layer.input
        if id(tensor) in model_inputs:
            out[layer.name] = model_inputs[id(tensor)]
        elif id(tensor) in producers:
            out[layer.name] = cache_outputs[producers[id(tensor)]]
    return out
