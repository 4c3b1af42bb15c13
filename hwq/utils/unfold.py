"""unfold_model (QKeras' bn_folding_utils): a model whose batchnorm-folded layers (QConv2DBatchnorm,
QDepthwiseConv2DBatchnorm, QDenseBatchnorm) are replaced by the plain layer they extend (QConv2D,
QDepthwiseConv2D, QDense) holding the folded kernel and bias, so the inference forward pass is the same and a
hardware generator sees no batch normalization."""

from __future__ import annotations

import inspect

import keras
import numpy as np

from hwq.layers import QConv2D, QDense, QDepthwiseConv2D

PLAIN_LAYERS = (QConv2D, QDepthwiseConv2D, QDense)  # what each folded layer extends
LAYER_ARGUMENTS = ("name", "dtype", "trainable")


def convert_folded_layer_to_unfolded(layer: keras.layers.Layer) -> keras.layers.Layer:
    """A new plain layer with the folded layer's arguments (its own and the base layer's; use_bias on, for the
    folded bias), not yet built: unfold_model gives it the folded weights."""
    base = _plain_base(layer)
    accepted = set(inspect.signature(base.__init__).parameters) | set(LAYER_ARGUMENTS)
    config = {k: v for k, v in layer.get_config().items() if k in accepted}
    config["use_bias"] = True
    return base.from_config(config)


def unfold_model(model: keras.Model) -> keras.Model:
    """The model with every folded layer replaced by its plain layer holding [folded kernel, folded bias]; every
    other layer a copy with the same weights. Sequential and functional models alike."""
    folded = {layer.name for layer in model.layers if _is_folded(layer)}

    def clone(layer):
        return convert_folded_layer_to_unfolded(layer) if layer.name in folded else \
            layer.__class__.from_config(layer.get_config())

    unfolded = keras.models.clone_model(model, clone_function=clone)
    for layer, copy in zip(model.layers, unfolded.layers, strict=True):  # the clone keeps the layers' order
        weights = [np.asarray(w) for w in layer.get_folded_weights()] if layer.name in folded else \
            layer.get_weights()
        copy.set_weights(weights)
    return unfolded


def _is_folded(layer) -> bool:
    return hasattr(layer, "get_folded_weights") and isinstance(layer, PLAIN_LAYERS)


def _plain_base(layer) -> type:
    if not _is_folded(layer):
        raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) is not a batchnorm-folded layer; "
                         "folded layers: QConv2DBatchnorm, QDepthwiseConv2DBatchnorm, QDenseBatchnorm")
    return next(c for c in type(layer).__mro__ if c in PLAIN_LAYERS)
