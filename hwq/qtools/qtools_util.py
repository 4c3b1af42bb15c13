"""Small helpers of QKeras' `qtools.qtools_util`: layer classification, operation counts, weights."""

from __future__ import annotations

import copy
from math import prod
from typing import Any

import numpy as np

from hwq.utils.qstats import _counts

MERGE_LAYERS = ("Add", "Multiply", "Subtract", "Average", "Maximum", "Minimum", "Concatenate", "Dot")
AVERAGE_POOLING_LAYERS = ("AveragePooling2D", "AvgPool2D", "GlobalAvgPool2D", "GlobalAveragePooling2D",
                          "QGlobalAveragePooling2D")
# layer class -> the QKeras class whose multiplications hwq.utils.qstats counts for it
MAC_COUNTED_AS = {"QDense": "QDense", "Dense": "QDense", "QConv1D": "QConv1D", "Conv1D": "QConv1D",
                  "QConv2D": "QConv2D", "Conv2D": "QConv2D", "QDepthwiseConv2D": "QDepthwiseConv2D",
                  "DepthwiseConv2D": "QDepthwiseConv2D"}


def get_val(feature: Any, key: str, default_val: Any = None) -> Any:
    """feature[key] of a dict, feature.key of anything else (QKeras' maps mix both)."""
    if isinstance(feature, dict):
        return feature.get(key, default_val)
    return getattr(feature, key, default_val)


def is_shape_alternation_layers(layer: Any) -> bool:
    """Layers that only move values: max pooling, reshape, flatten."""
    name = type(layer).__name__
    return any(part in name for part in ("MaxPool", "Reshape", "Flatten"))


def is_merge_layers(layer: Any) -> bool:
    return type(layer).__name__ in MERGE_LAYERS


def is_upsampled(layer: Any) -> bool:
    return "UpSampling" in type(layer).__name__


def find_divisors(num: int) -> list[int]:
    return [i for i in range(1, num + 1) if num % i == 0]


def get_operation_count(layer: Any, input_shape: Any) -> int:
    """The operations qtools counts for a layer: multiplications of a dense or convolution layer (from the
    built layer's shapes, as the data type map counts them), one per input element of merge, reshape,
    activation and normalization layers, one per output element of upsampling, pool-size additions per
    output channel of average pooling; 0 for anything else."""
    if isinstance(input_shape, list):
        input_shape = input_shape[0]
    name = type(layer).__name__
    if name in MAC_COUNTED_AS:
        return int(_counts(layer, MAC_COUNTED_AS[name], [None, None])[0])
    if is_merge_layers(layer) or is_shape_alternation_layers(layer) or "Activation" in name \
            or "BatchNormalization" in name:
        return _size(input_shape[1:])
    output_shape = layer.compute_output_shape(tuple(input_shape))
    if is_upsampled(layer):
        return _size(output_shape[1:])
    if name in AVERAGE_POOLING_LAYERS:
        pool_size = getattr(layer, "pool_size", None) or input_shape[1:-1]
        return _size(pool_size) * int(output_shape[-1])
    return 0


def get_weights(layer: Any, model_weights_already_quantized: bool = True) -> list[np.ndarray]:
    """Copies of the layer's weights, passed through the layer's quantizers unless already quantized."""
    weights = copy.deepcopy(layer.get_weights())
    if model_weights_already_quantized or not hasattr(layer, "get_quantizers"):
        return weights
    quantizers = layer.get_quantizers()
    return [np.asarray(q(w)) if i < len(quantizers) and (q := quantizers[i]) else w
            for i, w in enumerate(weights)]


def _size(shape: Any) -> int:
    return int(prod(int(d) for d in shape))


__all__ = ["get_val", "is_shape_alternation_layers", "is_merge_layers", "is_upsampled", "find_divisors",
           "get_operation_count", "get_weights"]
