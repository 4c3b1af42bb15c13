"""unfold_model (QKeras' bn_folding_utils): folded layers become the plain layers they extend, holding the folded
kernel and bias, and the model computes exactly what it did in inference."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from hwq.layers import (
    QActivation,
    QConv2D,
    QConv2DBatchnorm,
    QDense,
    QDenseBatchnorm,
    QDepthwiseConv2D,
    QDepthwiseConv2DBatchnorm,
)
from hwq.qkeras.bn_folding_utils import convert_folded_layer_to_unfolded, unfold_model
from hwq.quantizers import quantized_bits, quantized_relu

K = {"bias_quantizer": quantized_bits(8, 3, alpha=1)}


def _layers() -> list:
    return [QConv2DBatchnorm(3, 3, kernel_quantizer=quantized_bits(6, 2, alpha=1), name="cbn", **K),
            QActivation(quantized_relu(6, 2), name="relu"),
            QDepthwiseConv2DBatchnorm(3, depthwise_quantizer=quantized_bits(6, 2, alpha=1), name="dbn", **K),
            keras.layers.Flatten(name="flat"),
            QDenseBatchnorm(4, kernel_quantizer=quantized_bits(6, 2, alpha=1), name="fbn", **K)]


def _randomized(model: keras.Model) -> keras.Model:
    rng = np.random.default_rng(0)
    for w in model.weights:
        if "iteration" in w.path:
            continue
        positive = "variance" in w.path or "gamma" in w.path
        w.assign((rng.uniform(0.5, 1.5, w.shape) if positive else rng.normal(0, 0.5, w.shape)).astype(np.float32))
    return model


@pytest.mark.parametrize("sequential", [False, True])
def test_unfolded_model_computes_what_the_folded_one_does(sequential: bool) -> None:
    if sequential:
        model = keras.Sequential([keras.Input((6, 6, 2)), *_layers()])
    else:
        x = x_in = keras.Input((6, 6, 2))
        for layer in _layers():
            x = layer(x)
        model = keras.Model(x_in, x)
    model = _randomized(model)
    unfolded = unfold_model(model)
    kinds = [type(layer) for layer in unfolded.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert kinds == [QConv2D, QActivation, QDepthwiseConv2D, keras.layers.Flatten, QDense]
    x = np.random.default_rng(1).normal(size=(40, 6, 6, 2)).astype(np.float32)
    assert np.array_equal(unfolded.predict(x, verbose=0), model.predict(x, verbose=0))
    dense = [layer for layer in unfolded.layers if isinstance(layer, QDense)][0]
    folded = model.get_layer("fbn").get_folded_weights()
    assert np.array_equal(dense.kernel.numpy(), np.asarray(folded[0])) and dense.use_bias


def test_convert_keeps_the_layers_arguments_and_refuses_plain_layers() -> None:
    folded = QConv2DBatchnorm(5, (3, 2), strides=(2, 1), padding="same", use_bias=False,
                              kernel_quantizer=quantized_bits(4, 0, alpha=1), name="c")
    plain = convert_folded_layer_to_unfolded(folded)
    assert type(plain) is QConv2D and plain.filters == 5 and plain.kernel_size == (3, 2)
    assert plain.strides == (2, 1) and plain.padding == "same" and plain.use_bias  # the folded bias needs one
    assert plain.kernel_quantizer_internal.bits == 4 and plain.name == "c"
    with pytest.raises(ValueError, match="not a batchnorm-folded layer"):
        convert_folded_layer_to_unfolded(QDense(3))
