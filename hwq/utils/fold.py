"""convert_to_folded_model (QKeras' utils): the first half of model_quantize's batchnorm folding.

It finds each Conv2D or DepthwiseConv2D whose only consumer is a BatchNormalization, and returns a copy of the
model without those BatchNormalization layers (their consumers read the convolution directly) together with the
names of the convolutions. The copy therefore computes something else than the model: it is the skeleton that
model_quantize(enable_bn_folding=True) turns into QConv2DBatchnorm / QDepthwiseConv2DBatchnorm layers, which
learn the normalization again. Every layer that is kept keeps its weights.

As in QKeras only the float Keras classes are folded (not QConv2D, not Dense, not QBatchNormalization). Unlike
QKeras, a convolution with an activation of its own, or followed by a normalization over another axis, is left
alone: folding it would move the normalization across the activation (or onto the wrong axis).
"""

from __future__ import annotations

import copy
from typing import Any

import keras

FOLDABLE_CLASSES = ("Conv2D", "DepthwiseConv2D")
NORMALIZATION_CLASS = "BatchNormalization"
OUTPUT = "<model output>"  # stands for the model's outputs among a layer's consumers


def convert_to_folded_model(model: keras.Model) -> tuple[keras.Model, list[str]]:
    """(a copy of `model` without the BatchNormalization layers that follow a foldable convolution, the names of
    those convolutions in model order). Sequential and functional models alike; the model is not changed."""
    serialized = copy.deepcopy(keras.saving.serialize_keras_object(model))
    config = serialized.get("config", {})
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ValueError(f"convert_to_folded_model: model {model.name!r} ({type(model).__name__}) has no layer list "
                         "in its config; only Sequential and functional models can be rebuilt")
    pairs = _sequential_pairs(layers) if serialized.get("class_name") == "Sequential" else _functional_pairs(config)
    if not pairs:
        return _rebuilt(model, serialized), []
    removed = {bn: conv for conv, bn in pairs}
    config["layers"] = [entry for entry in layers if _name(entry) not in removed]
    _rewire(config["layers"], removed)
    outputs = config.get("output_layers")
    if outputs:
        refs = [[removed.get(ref[0], ref[0]), *ref[1:]] for ref in _output_refs(outputs)]
        config["output_layers"] = refs[0] if isinstance(outputs[0], str) else refs
    return _rebuilt(model, serialized), [conv for conv, _ in pairs]


def _sequential_pairs(layers: list[dict]) -> list[tuple[str, str]]:
    """In a layer chain each layer's only consumer is the next one."""
    return [(_name(a), _name(b)) for a, b in zip(layers, layers[1:], strict=False) if _foldable(a, b)]


def _functional_pairs(config: dict) -> list[tuple[str, str]]:
    entries = {_name(entry): entry for entry in config["layers"]}
    consumers: dict[str, list[str]] = {name: [] for name in entries}
    for entry in config["layers"]:
        for source in _sources(entry.get("inbound_nodes", [])):
            consumers.setdefault(source, []).append(_name(entry))
    for ref in _output_refs(config.get("output_layers")):
        consumers.setdefault(ref[0], []).append(OUTPUT)
    pairs = []
    for name, entry in entries.items():
        users = consumers.get(name, [])
        if len(users) == 1 and users[0] in entries and _single_call(entry) and _single_call(entries[users[0]]) \
                and _foldable(entry, entries[users[0]]):
            pairs.append((name, users[0]))
    return pairs


def _foldable(layer: dict, follower: dict) -> bool:
    """A float convolution without activation, then a batch normalization over its channel axis."""
    if layer.get("class_name") not in FOLDABLE_CLASSES or follower.get("class_name") != NORMALIZATION_CLASS:
        return False
    conv, bn = layer.get("config", {}), follower.get("config", {})
    if conv.get("activation", "linear") not in (None, "linear"):
        return False
    channel_axes = (1,) if conv.get("data_format") == "channels_first" else (-1, 3)
    axis = bn.get("axis", -1)
    axis = axis[0] if isinstance(axis, list | tuple) and len(axis) == 1 else axis
    return axis in channel_axes


def _single_call(entry: dict) -> bool:
    return len(entry.get("inbound_nodes", [])) == 1


def _sources(value: Any) -> list[str]:
    """The names of the layers whose outputs an inbound-node structure reads (every "keras_history")."""
    if isinstance(value, dict):
        history = value.get("keras_history")
        found = [history[0]] if isinstance(history, list | tuple) and history else []
        return found + [s for k, v in value.items() if k != "keras_history" for s in _sources(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _sources(v)]
    return []


def _output_refs(value: Any) -> list[list]:
    """output_layers: [[name, node, tensor], ...] or one [name, node, tensor]."""
    if not value:
        return []
    return [value] if isinstance(value[0], str) else list(value)


def _rewire(value: Any, removed: dict[str, str]) -> None:
    """Point every "keras_history" reference to a removed normalization at the convolution before it (each is
    called once, so node and tensor indices stay valid)."""
    if isinstance(value, dict):
        history = value.get("keras_history")
        if isinstance(history, list | tuple) and history and history[0] in removed:
            value["keras_history"] = [removed[history[0]], *history[1:]]
        for item in value.values():
            _rewire(item, removed)
    elif isinstance(value, list | tuple):  # Keras keeps a node's args as a tuple
        for item in value:
            _rewire(item, removed)


def _rebuilt(model: keras.Model, serialized: dict) -> keras.Model:
    """The model of `serialized`, each of its layers with the weights of the original layer of that name."""
    new = keras.saving.deserialize_keras_object(serialized)
    for layer in new.layers:
        weights = model.get_layer(layer.name).get_weights()
        if weights:
            layer.set_weights(weights)
    return new


def _name(entry: dict) -> str:
    return entry.get("name") or entry.get("config", {}).get("name")
