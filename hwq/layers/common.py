"""What QDense and QActivation share: resolving, calling and serializing quantizers and activations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

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
