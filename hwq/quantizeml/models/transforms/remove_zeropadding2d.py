"""remove_zeropadding2d: ZeroPadding2D -> 'valid' convolution becomes a 'same' convolution when they agree."""

from __future__ import annotations

import keras

from hwq.quantizeml.models.graph import Node, graph_of, rebuilt
from hwq.quantizeml.models.transforms.patterns import chained_pairs, with_config

CONVOLUTIONS = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """(before, after) padding of one spatial axis for a 'same' convolution (TensorFlow's rule: the odd pixel
    goes after)."""
    effective = (kernel - 1) * dilation + 1
    total = max((-(-size // stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def _is_same_padding(zero_padding: keras.layers.ZeroPadding2D, conv) -> bool:
    if conv.padding != "valid" or isinstance(conv, keras.layers.Conv2DTranspose) or \
            getattr(conv, "data_format", "channels_last") != "channels_last":
        return False
    height, width = zero_padding.input.shape[1:3]
    if height is None or width is None:
        return False
    wanted = tuple(same_padding(size, conv.kernel_size[i], conv.strides[i], conv.dilation_rate[i])
                   for i, size in enumerate((height, width)))
    return tuple(tuple(p) for p in zero_padding.padding) == wanted


def remove_zeropadding2d(model: keras.Model) -> keras.Model:
    """Returns a new model where each ZeroPadding2D feeding only a 'valid' Conv2D, DepthwiseConv2D or
    SeparableConv2D is removed and that convolution becomes 'same', when the padding is exactly what 'same'
    pads for the input size, kernel, strides and dilation. Returns the source model when nothing is removed.
    """
    graph = graph_of(model)
    for pad_node, conv_node in chained_pairs(graph, (keras.layers.ZeroPadding2D,), CONVOLUTIONS):
        if _is_same_padding(pad_node.layer, conv_node.layer):
            conv = with_config(conv_node.layer, padding="same")
            graph.substitute(conv_node, Node(conv, conv_node.inputs, weights=tuple(conv_node.layer.get_weights())))
            graph.remove(pad_node)
    return rebuilt(model, graph)
