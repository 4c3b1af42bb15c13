"""A float Keras model as an editable list of layer calls, and back to a new Keras model.

The transforms and quantize rewrite models. Keras 3 models are immutable graphs, so a model is read into a
Graph (its inputs, its layer calls in topological order, its outputs), the Graph is edited, and a new model
is built from it with fresh layers: the source model is never changed and never shares a layer with the
result. A tensor is named after the layer that produces it; every layer is called once and has one output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import keras
import numpy as np


@dataclass(frozen=True)
class ModelInput:
    name: str
    shape: tuple  # with the batch dimension
    dtype: str


@dataclass(frozen=True)
class Node:
    """One layer call. `layer` is the layer to copy; `weights` replaces its weights in the copy when set."""

    layer: keras.layers.Layer
    inputs: tuple[str, ...]  # the names of the tensors read (producer layer or model input names)
    as_list: bool = False  # called on a list of tensors (Add, Concatenate), not on one tensor
    weights: tuple | None = None

    @property
    def name(self) -> str:
        return self.layer.name


@dataclass
class Graph:
    inputs: list[ModelInput]
    nodes: list[Node]
    outputs: list[str]
    name: str = "model"
    changed: bool = field(default=False)  # set by the edits, so that a transform returns the source if False

    def node(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.name == name), None)

    def consumers(self, name: str) -> list[Node]:
        return [n for n in self.nodes if name in n.inputs]

    def producer_of(self, node: Node) -> Node | None:
        """The node producing the single input of `node` (None for a model input or several inputs)."""
        return self.node(node.inputs[0]) if len(node.inputs) == 1 else None

    def only_consumer(self, name: str) -> Node | None:
        """The node reading tensor `name` when it is the only reader and `name` is not a model output."""
        readers = self.consumers(name)
        return readers[0] if len(readers) == 1 and name not in self.outputs else None

    def substitute(self, node: Node, new: Node) -> None:
        self.nodes[self.nodes.index(node)] = new
        self.changed = True

    def remove(self, node: Node) -> None:
        """Drop a single-input node: its readers (and the model outputs) read its input instead."""
        source = node.inputs[0]
        self.nodes.remove(node)
        self.rename_tensor(node.name, source)

    def rename_tensor(self, old: str, new: str) -> None:
        self.nodes = [replace(n, inputs=tuple(new if i == old else i for i in n.inputs)) for n in self.nodes]
        self.outputs = [new if o == old else o for o in self.outputs]
        self.changed = True

    def insert_after(self, name: str, layer: keras.layers.Layer) -> None:
        """Call `layer` on tensor `name`; every former reader of `name` (and the outputs) reads it instead."""
        self.rename_tensor(name, layer.name)
        index = next((i + 1 for i, n in enumerate(self.nodes) if n.name == name), 0)
        self.nodes.insert(index, Node(layer, (name,)))


def graph_of(model: keras.Model) -> Graph:
    """The Graph of a built Sequential or functional model."""
    if not model.built or not getattr(model, "inputs", None):
        raise ValueError(f"model '{model.name}' is not built on an Input: give it keras.Input (or build it)")
    if isinstance(model, keras.Sequential):
        return _sequential_graph(model)
    return _functional_graph(model)


def _model_input(tensor) -> ModelInput:
    return ModelInput(_tensor_name(tensor), tuple(tensor.shape), str(tensor.dtype))


def _tensor_name(tensor) -> str:
    return tensor._keras_history.operation.name


def _sequential_graph(model: keras.Sequential) -> Graph:
    model_input = _model_input(model.inputs[0])
    nodes, previous = [], model_input.name
    for layer in model.layers:
        nodes.append(Node(layer, (previous,)))
        previous = layer.name
    return Graph([model_input], nodes, [previous], model.name)


def _functional_graph(model: keras.Model) -> Graph:
    nodes, seen = [], set()
    # _nodes_by_depth is Keras' topological order (depth 0 holds the outputs); no public API exposes it
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for knode in model._nodes_by_depth[depth]:
            if knode.is_input:
                continue
            nodes.append(_node_of(knode, seen))
    outputs = [_tensor_name(t) for t in model.outputs]
    return Graph([_model_input(t) for t in model.inputs], nodes, outputs, model.name)


def _node_of(knode, seen: set) -> Node:
    layer = knode.operation
    if layer.name in seen:
        raise ValueError(f"layer '{layer.name}' is called more than once: shared layers are not supported")
    seen.add(layer.name)
    if len(knode.outputs) != 1:
        raise ValueError(f"layer '{layer.name}' has {len(knode.outputs)} outputs: one is supported")
    args = knode.arguments.args
    extra = [k for k, v in knode.arguments.kwargs.items() if v is not None and k != "training"]
    if len(args) != 1 or extra:
        raise ValueError(f"layer '{layer.name}' is called with several arguments: one tensor or one list is "
                         "supported")
    as_list = isinstance(args[0], list | tuple)
    tensors = list(args[0]) if as_list else [args[0]]
    return Node(layer, tuple(_tensor_name(t) for t in tensors), as_list)


def clone_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    """A new layer of the same class and configuration (no weights yet)."""
    if isinstance(layer, keras.layers.Lambda):
        # a Lambda's config holds its function as bytecode, which safe deserialization refuses: reuse the function
        return keras.layers.Lambda(layer.function, output_shape=layer._output_shape, arguments=layer.arguments,
                                   name=layer.name)
    return type(layer).from_config(layer.get_config())


def copy_weights(node: Node, new_layer: keras.layers.Layer) -> None:
    """Give the built copy the node's weights (its own replacement weights, or the source layer's)."""
    if node.weights is not None:
        new_layer.set_weights([np.asarray(w) for w in node.weights])
    elif node.layer.built and node.layer.weights:
        new_layer.set_weights(node.layer.get_weights())


LayerFactory = Callable[[Node], tuple[keras.layers.Layer, Callable[[keras.layers.Layer], None]]]


def _default_factory(node: Node):
    return clone_layer(node.layer), lambda new: copy_weights(node, new)


def model_of(graph: Graph, factory: LayerFactory = _default_factory, name: str | None = None) -> keras.Model:
    """A new functional model: each node's layer made by `factory` (default: a copy with the node's weights)."""
    tensors = {i.name: keras.Input(shape=i.shape[1:], dtype=i.dtype, name=i.name) for i in graph.inputs}
    for node in graph.nodes:
        layer, load = factory(node)
        args = [tensors[i] for i in node.inputs]
        tensors[layer.name] = layer(args if node.as_list else args[0])
        load(layer)
        if layer.name != node.name:  # a factory may rename; readers name the node
            tensors[node.name] = tensors[layer.name]
    inputs = [tensors[i.name] for i in graph.inputs]
    outputs = [tensors[o] for o in graph.outputs]
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs if len(outputs) > 1 else outputs[0],
                       name=name or graph.name)


def rebuilt(model: keras.Model, graph: Graph) -> keras.Model:
    """The source model when the graph was not edited, else a new model from the graph."""
    return model_of(graph) if graph.changed else model
