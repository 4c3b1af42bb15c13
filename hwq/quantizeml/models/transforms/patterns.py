"""What the transforms share: finding a layer followed by another, and rewriting weighted layers."""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.models.graph import Graph, Node

WEIGHTED = (keras.layers.Dense, keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)


def chained_pairs(graph: Graph, first: tuple, second: tuple) -> list[tuple[Node, Node]]:
    """(a, b) with a of type `first` feeding only b of type `second`, and b reading only a.

    Conv2DTranspose is a Conv2D subclass in Keras: callers that exclude it pass `first` accordingly.
    """
    pairs = []
    for a in graph.nodes:
        b = graph.only_consumer(a.name) if isinstance(a.layer, first) else None
        if b is not None and isinstance(b.layer, second) and b.inputs == (a.name,):
            pairs.append((a, b))
    return pairs


def is_linear(layer) -> bool:
    activation = getattr(layer, "activation", None)
    return activation is None or activation.__name__ == "linear"


def with_config(layer, **changes):
    """A layer of the same class with some configuration entries changed (no weights)."""
    config = layer.get_config()
    config.update(changes)
    return type(layer).from_config(config)


def weight_dict(layer) -> dict[str, np.ndarray]:
    """The layer's weights by variable name (kernel, bias, gamma, ...), as float64 arrays."""
    return {v.name: np.asarray(v.numpy(), dtype=np.float64) for v in layer.weights}


def ordered_weights(layer, weights: dict[str, np.ndarray]) -> tuple:
    """`weights` in the order a layer of this configuration creates them, as float32."""
    names = {"Dense": ["kernel", "bias"], "Conv2D": ["kernel", "bias"], "Conv2DTranspose": ["kernel", "bias"],
             "DepthwiseConv2D": ["kernel", "bias"],
             "SeparableConv2D": ["depthwise_kernel", "pointwise_kernel", "bias"]}[type(layer).__name__]
    return tuple(np.asarray(weights[n], dtype=np.float32) for n in names if n != "bias" or layer.use_bias)


def output_channel_axis_scale(layer, kernel: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """The kernel with output channel k multiplied by factor[k] (the layer's output channel layout)."""
    if isinstance(layer, keras.layers.Conv2DTranspose):
        return kernel * factor[None, None, :, None]  # (KH, KW, filters, channels)
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        return kernel * factor.reshape(kernel.shape[2], kernel.shape[3])  # channel c*M + m
    return kernel * factor  # Dense, Conv2D, and the pointwise kernel of SeparableConv2D
