"""fold_batchnorms: a BatchNormalization after a weighted layer goes into that layer's weights and bias."""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.models.graph import Graph, Node, graph_of, rebuilt
from hwq.quantizeml.models.transforms.patterns import (
    WEIGHTED,
    chained_pairs,
    is_linear,
    ordered_weights,
    output_channel_axis_scale,
    weight_dict,
    with_config,
)

FOLDABLE = (*WEIGHTED, keras.layers.Conv2DTranspose)


def batchnorm_affine(bn: keras.layers.BatchNormalization) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) with bn(x) = a * x + b per channel, in float64."""
    w = weight_dict(bn)
    channels = w["moving_mean"].shape
    gamma = w.get("gamma", np.ones(channels))
    beta = w.get("beta", np.zeros(channels))
    a = gamma / np.sqrt(w["moving_variance"] + bn.epsilon)
    return a, beta - w["moving_mean"] * a


def _normalizes_last_axis(bn, rank: int) -> bool:
    axis = bn.axis if isinstance(bn.axis, int) else (bn.axis[0] if len(bn.axis) == 1 else None)
    return axis is not None and axis in (-1, rank - 1)


def _folded_node(layer_node: Node, bn: keras.layers.BatchNormalization) -> Node:
    layer = layer_node.layer
    a, b = batchnorm_affine(bn)
    weights = weight_dict(layer)
    kernel_name = "pointwise_kernel" if isinstance(layer, keras.layers.SeparableConv2D) else "kernel"
    weights[kernel_name] = output_channel_axis_scale(layer, weights[kernel_name], a)
    weights["bias"] = weights.get("bias", 0.0) * a + b
    new_layer = with_config(layer, use_bias=True)
    return Node(new_layer, layer_node.inputs, layer_node.as_list, ordered_weights(new_layer, weights))


def fold_batchnorms(model: keras.Model) -> keras.Model:
    """Returns a new model where BatchNormalization layers are folded into the weighted layers before them.

    A BatchNormalization is folded when it normalizes the last axis and reads the output of a Dense, Conv2D,
    Conv2DTranspose, DepthwiseConv2D or SeparableConv2D without activation that feeds nothing else. The folded
    weights are computed in float64, then stored in float32. Returns the source model when nothing folds.
    """
    graph = graph_of(model)
    for layer_node, bn_node in chained_pairs(graph, FOLDABLE, (keras.layers.BatchNormalization,)):
        if is_linear(layer_node.layer) and _normalizes_last_axis(bn_node.layer, len(layer_node.layer.output.shape)):
            _fold(graph, layer_node, bn_node)
    return rebuilt(model, graph)


def _fold(graph: Graph, layer_node: Node, bn_node: Node) -> None:
    graph.substitute(layer_node, _folded_node(layer_node, bn_node.layer))
    graph.remove(bn_node)
