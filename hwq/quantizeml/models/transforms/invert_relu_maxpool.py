"""invert_relu_maxpool: ReLU -> MaxPool2D becomes MaxPool2D -> ReLU."""

from __future__ import annotations

import keras

from hwq.quantizeml.models.graph import Graph, Node, graph_of, rebuilt
from hwq.quantizeml.models.transforms.patterns import chained_pairs

RELUS = (keras.layers.ReLU,)


def is_relu(layer) -> bool:
    if isinstance(layer, keras.layers.ReLU):
        return True
    return isinstance(layer, keras.layers.Activation) and getattr(layer.activation, "__name__", "") == "relu"


def invert_relu_maxpool(model: keras.Model) -> keras.Model:
    """Returns a new model where each ReLU (or Activation('relu')) feeding only a MaxPool2D comes after it.

    A max commutes with any non-decreasing function, so the result is the same bit for bit, and the ReLU then
    runs on a quarter of the values (pool 2x2). Returns the source model when there is no such pair.
    """
    graph = graph_of(model)
    candidates = chained_pairs(graph, (keras.layers.ReLU, keras.layers.Activation), (keras.layers.MaxPooling2D,))
    for relu_node, pool_node in candidates:
        if is_relu(relu_node.layer):
            _swap(graph, relu_node, pool_node)
    return rebuilt(model, graph)


def _swap(graph: Graph, relu_node: Node, pool_node: Node) -> None:
    """relu -> pool becomes pool -> relu; the readers of the pooling read the ReLU instead."""
    index = graph.nodes.index(relu_node)
    graph.nodes.remove(relu_node)
    graph.nodes.remove(pool_node)
    graph.rename_tensor(pool_node.name, relu_node.name)
    graph.nodes[index:index] = [Node(pool_node.layer, relu_node.inputs), Node(relu_node.layer, (pool_node.name,))]
