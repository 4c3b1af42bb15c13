"""invert_batchnorm_pooling: pooling -> BatchNormalization becomes BatchNormalization -> pooling."""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.models.graph import Graph, Node, graph_of, rebuilt
from hwq.quantizeml.models.transforms.fold_batchnorms import batchnorm_affine
from hwq.quantizeml.models.transforms.patterns import chained_pairs, with_config

POOLINGS = (keras.layers.MaxPooling2D, keras.layers.GlobalAveragePooling2D)


def invert_batchnorm_pooling(model: keras.Model) -> keras.Model:
    """Returns a new model where each pooling (MaxPool2D, GlobalAveragePooling2D) followed by a
    BatchNormalization becomes the BatchNormalization followed by the pooling, the first step before folding
    the BatchNormalization into the layer before it. Returns the source model when there is no such pair.

    Raises RuntimeError when a MaxPool2D is followed by a BatchNormalization whose gammas are not all strictly
    positive: a max only commutes with an increasing map. An average commutes with any affine map per channel,
    so global average pooling accepts any gamma.
    """
    graph = graph_of(model)
    for pool_node, bn_node in chained_pairs(graph, POOLINGS, (keras.layers.BatchNormalization,)):
        if isinstance(pool_node.layer, keras.layers.MaxPooling2D):
            _check_increasing(bn_node.layer)
        _swap(graph, pool_node, bn_node)
    return rebuilt(model, graph)


def _check_increasing(bn: keras.layers.BatchNormalization) -> None:
    gamma = batchnorm_affine(bn)[0]
    if np.any(gamma <= 0):
        raise RuntimeError(f"BatchNormalization '{bn.name}' has {int(np.sum(gamma <= 0))} gamma(s) <= 0: it cannot "
                           "move before a max pooling")


def _swap(graph: Graph, pool_node: Node, bn_node: Node) -> None:
    """pool -> bn becomes bn -> pool; the readers of bn read the pooling instead."""
    index = graph.nodes.index(pool_node)
    graph.nodes.remove(bn_node)
    graph.nodes.remove(pool_node)
    graph.rename_tensor(bn_node.name, pool_node.name)
    # after a global pooling the BatchNormalization saw (batch, channels): axis -1 names the channels anywhere
    bn = with_config(bn_node.layer, axis=-1)
    moved_bn = Node(bn, pool_node.inputs, weights=tuple(bn_node.layer.get_weights()))
    graph.nodes[index:index] = [moved_bn, Node(pool_node.layer, (bn_node.name,))]
