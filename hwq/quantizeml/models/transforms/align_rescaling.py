"""align_rescaling: a Rescaling with an offset or per-channel scales made a single scale with no offset.

QuantizedRescaling multiplies the integer input by one scale. An offset o and per-channel scales s_c are moved
into the next weighted layer: w(s_c x + o) = (w s_c / s) (s x) + w o, so the kernel's input channel c is
multiplied by s_c / s (s the largest |s_c|) and the bias gains the kernel's response to the constant o.
"""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.models.graph import Graph, Node, graph_of, rebuilt
from hwq.quantizeml.models.transforms.patterns import ordered_weights, weight_dict, with_config

TARGETS = (keras.layers.Dense, keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)


def _is_aligned(rescaling: keras.layers.Rescaling) -> bool:
    return np.ndim(rescaling.scale) == 0 and np.all(np.asarray(rescaling.offset) == 0)


def align_rescaling(model: keras.Model) -> keras.Model:
    """Returns a new model where each Rescaling has one scale and no offset, its offset and per-channel scales
    folded into the weighted layer (Dense, Conv2D, DepthwiseConv2D, SeparableConv2D) it alone feeds. Returns the
    source model when every Rescaling is already aligned (or there is none).

    Raises ValueError when a Rescaling needs aligning and cannot be: it feeds several layers or another kind of
    layer, or it has an offset and the layer pads with zeros ('same' padding), which the offset would not reach.
    """
    graph = graph_of(model)
    for node in list(graph.nodes):
        if isinstance(node.layer, keras.layers.Rescaling) and not _is_aligned(node.layer):
            _align(graph, node)
    return rebuilt(model, graph)


def _align(graph: Graph, node: Node) -> None:
    rescaling = node.layer
    target = graph.only_consumer(node.name)
    if target is None or not isinstance(target.layer, TARGETS) or \
            isinstance(target.layer, keras.layers.Conv2DTranspose):
        raise ValueError(f"align_rescaling: Rescaling '{rescaling.name}' has an offset or per-channel scales and "
                         "does not feed a single Dense, Conv2D, DepthwiseConv2D or SeparableConv2D to fold them into")
    offset = np.asarray(rescaling.offset, dtype=np.float64)
    if np.any(offset != 0) and getattr(target.layer, "padding", "valid") != "valid":
        raise ValueError(f"align_rescaling: Rescaling '{rescaling.name}' has an offset but '{target.name}' pads "
                         "with zeros ('same'), which the offset would not reach")
    channels = graph_input_channels(target.layer)
    scales = np.broadcast_to(np.asarray(rescaling.scale, dtype=np.float64), (channels,))
    scale = float(scales[np.argmax(np.abs(scales))])
    new_layer = with_config(target.layer, use_bias=True)
    weights = _folded_weights(target.layer, scales / scale, np.broadcast_to(offset, (channels,)))
    graph.substitute(target, Node(new_layer, target.inputs, target.as_list, ordered_weights(new_layer, weights)))
    new_rescaling = keras.layers.Rescaling(scale, 0.0, name=rescaling.name)
    graph.substitute(node, Node(new_rescaling, node.inputs))


def graph_input_channels(layer) -> int:
    kernel = layer.depthwise_kernel if isinstance(layer, keras.layers.SeparableConv2D) else layer.kernel
    return int(kernel.shape[-2])


def _folded_weights(layer, ratio: np.ndarray, offset: np.ndarray) -> dict[str, np.ndarray]:
    """Input channel c of the (first) kernel times ratio[c]; the bias plus the layer's response to `offset`."""
    weights = weight_dict(layer)
    first = "depthwise_kernel" if isinstance(layer, keras.layers.SeparableConv2D) else "kernel"
    kernel = weights[first]
    bias = weights.get("bias", 0.0) + _response_to_constant(layer, weights, offset)
    weights[first] = kernel * ratio[:, None]  # the input channel is the kernel's second-to-last axis
    weights["bias"] = bias
    return weights


def _response_to_constant(layer, weights: dict, offset: np.ndarray) -> np.ndarray:
    """What the layer (no bias) outputs when every input pixel is `offset` and no padding is involved."""
    if isinstance(layer, keras.layers.Dense):
        return offset @ weights["kernel"]
    if isinstance(layer, keras.layers.SeparableConv2D):
        middle = np.einsum("hwcm,c->cm", weights["depthwise_kernel"], offset).reshape(-1)
        return middle @ weights["pointwise_kernel"][0, 0]
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        return np.einsum("hwcm,c->cm", weights["kernel"], offset).reshape(-1)
    return np.einsum("hwcf,c->f", weights["kernel"], offset)  # Conv2D
