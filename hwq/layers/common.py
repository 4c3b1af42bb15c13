"""What the quantized layers share: resolving, calling and serializing quantizers and activations."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from hwq.layers.constraints import weight_constraint
from hwq.quantizers import BaseQuantizer, get_quantizer


def internal_quantizer(identifier: Any, trainable_scale: bool = False) -> BaseQuantizer | Callable | None:
    """The quantizer a layer applies: its own copy, so call state (`scale`) and QKeras'
    `_set_trainable_parameter` (alpha=None -> 'auto_po2' on kernels) never touch the caller's object."""
    q = get_quantizer(identifier)
    if isinstance(q, BaseQuantizer):
        q = q.copy()
        if trainable_scale:
            q._set_trainable_parameter()
    return q


def resolve_activation(identifier: Any) -> BaseQuantizer | Callable:
    """An activation given as a quantizer, a string, a dict or a callable; None means linear."""
    if identifier is None:
        return keras.activations.get(None)
    act = get_quantizer(identifier)
    return act.copy() if isinstance(act, BaseQuantizer) else keras.activations.get(act)


def apply(fn: Callable | None, x, training):
    """Call a quantizer (which takes `training`, for stochastic rounding) or a plain function."""
    if fn is None:
        return x
    if isinstance(fn, BaseQuantizer):
        return fn(x, training=training)
    return fn(x)


def serialize_quantizer(q: BaseQuantizer | Callable | None) -> dict | str | None:
    """Quantizers as Keras config dicts (registered as "hwq>NAME"), so .keras files round-trip."""
    if q is None:
        return None
    return keras.saving.serialize_keras_object(q)


def serialize_activation(fn: BaseQuantizer | Callable) -> dict | str:
    if isinstance(fn, BaseQuantizer):
        return keras.saving.serialize_keras_object(fn)
    return keras.activations.serialize(fn)


def quantized_weight(identifier: Any, constraint: Any, trainable_scale: bool = False):
    """(internal quantizer, constraint) for one weight, as QKeras sets them up: the layer's own copy of
    the quantizer (kernels get `_set_trainable_parameter`), and the default Clip when quantized and
    no constraint was given."""
    q = internal_quantizer(identifier, trainable_scale=trainable_scale)
    return q, weight_constraint(constraint, q)


def optional_activation(identifier: Any) -> BaseQuantizer | Callable | None:
    """An activation that stays None when not given (pooling layers apply nothing then, as in QKeras)."""
    return None if identifier is None else resolve_activation(identifier)


def serialize_optional_activation(fn: BaseQuantizer | Callable | None) -> dict | str | None:
    return None if fn is None else serialize_activation(fn)


def add_channel_bias(outputs, bias, data_format: str):
    """outputs + bias along the channel axis: the last one, or axis 1 for channels_first (any rank)."""
    if data_format == "channels_first":
        rank = len(outputs.shape)
        bias = ops.reshape(bias, (1, -1) + (1,) * (rank - 2))
    return ops.add(outputs, bias)


def warn_deprecated_ranges(layer: str, stacklevel: int = 3, **ranges: Any) -> None:
    """QKeras still accepts the old `*_range` arguments but ignores them; say so, as it does. The warning
    points at the caller of the layer's __init__ (stacklevel counts from here: 3 when __init__ calls this)."""
    for name, value in ranges.items():
        if value is not None:
            warnings.warn(f"{name} is deprecated in {layer} (as in QKeras) and has no effect", stacklevel=stacklevel)


def scale_channels(outputs, scale, data_format: str):
    """outputs · scale along the channel axis (see add_channel_bias)."""
    if data_format == "channels_first":
        rank = len(outputs.shape)
        scale = ops.reshape(scale, (1, -1) + (1,) * (rank - 2))
    return ops.multiply(outputs, scale)
