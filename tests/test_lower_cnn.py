"""lower() of convolutional layers: every spatial layer hwq has, equal to Keras through simulate; the
layers that cannot be exact are refused naming the layer."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import pytest

import hwq
from hwq.fixed import quantize, to_float
from hwq.frontend import UnsupportedLayerError
from hwq.layers import (
    QActivation,
    QAveragePooling2D,
    QBatchNormalization,
    QConv1D,
    QConv2D,
    QConv2DBatchnorm,
    QConv2DTranspose,
    QDense,
    QDenseBatchnorm,
    QDepthwiseConv2D,
    QDepthwiseConv2DBatchnorm,
    QGlobalAveragePooling2D,
    QSeparableConv1D,
    QSeparableConv2D,
)
from hwq.qkeras import QMobileNetSeparableConv2D
from hwq.quantizers import quantized_bits, quantized_po2, quantized_relu

W = {"kernel_quantizer": quantized_bits(5, 1, alpha=1), "bias_quantizer": quantized_bits(6, 2, alpha=1)}
DW = {"depthwise_quantizer": quantized_bits(5, 1, alpha=1), "bias_quantizer": quantized_bits(6, 2, alpha=1)}


def _model(shape, *layers, name="cnn") -> keras.Model:
    x = keras.Input(shape, name="x")
    y = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(x)
    for layer in layers:
        y = layer(y)
    model = keras.Model(x, y, name=name)
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(0, 0.7, w.shape) if w.ndim else w for w in model.get_weights()])
    return model


def _equal(model, n: int = 400, **kw) -> hwq.Graph:
    graph = hwq.lower(model, **kw)
    rng = np.random.default_rng(4)
    v = graph.inputs[0]
    x = to_float(quantize(rng.uniform(-12, 12, (n, *v.shape)), v.type), v.type)
    want = np.asarray(model.predict(x, batch_size=1024, verbose=0), dtype=np.float64)
    np.testing.assert_array_equal(graph.simulate(x), want, err_msg=graph.summary())
    return graph


@pytest.mark.parametrize("padding, strides, dilation", [("valid", 1, 1), ("same", 2, 1), ("same", 1, 2),
                                                        ("valid", 2, 1)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_qconv2d(padding, strides, dilation, data_format):
    shape = (7, 6, 3) if data_format == "channels_last" else (3, 7, 6)
    conv = QConv2D(4, (3, 2), strides=strides, padding=padding, dilation_rate=dilation, data_format=data_format,
                   activation="relu", name="c", **W)
    graph = _equal(_model(shape, conv, QActivation(quantized_relu(6, 2), name="q")))
    assert graph.node("c").op == "conv"


def test_qconv2d_groups_and_mask():
    mask = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
    conv = QConv2D(4, 3, padding="same", groups=2, mask=mask, name="c", **W)
    graph = _equal(_model((5, 5, 4), conv))
    assert graph.node("c").attrs["groups"] == 2


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_qconv1d(padding):
    conv = QConv1D(3, 3, padding=padding, dilation_rate=2 if padding == "causal" else 1, name="c", **W)
    _equal(_model((9, 2), conv))


@pytest.mark.parametrize("multiplier", [1, 2])
def test_qdepthwise_conv2d(multiplier):
    dw = QDepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=multiplier, name="dw", **DW)
    graph = _equal(_model((6, 5, 3), dw))
    assert graph.node("dw").attrs["groups"] == 3 and graph.node("dw").output.shape == (3, 3, 3 * multiplier)


def test_separable_convolutions():
    sep2 = QSeparableConv2D(4, 3, padding="same", depth_multiplier=2, name="s2",
                            depthwise_quantizer=quantized_bits(5, 1, alpha=1),
                            pointwise_quantizer=quantized_bits(5, 1, alpha=1),
                            bias_quantizer=quantized_bits(6, 2, alpha=1))
    _equal(_model((5, 5, 2), sep2))
    sep1 = QSeparableConv1D(3, 3, name="s1", pointwise_quantizer=quantized_bits(5, 1, alpha=1), **DW)
    _equal(_model((8, 2), sep1))


def test_mobilenet_separable_block():
    x = keras.Input((6, 6, 2), dtype="float32", name="x")
    y = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(x)
    y = QMobileNetSeparableConv2D(4, 3, padding="same", depthwise_quantizer=quantized_bits(5, 1, alpha=1),
                                  pointwise_quantizer=quantized_bits(5, 1, alpha=1),
                                  bias_quantizer=quantized_bits(6, 2, alpha=1),
                                  depthwise_activation=quantized_relu(6, 2), name="mb")(y)
    model = keras.Model(x, y)
    model.set_weights([np.random.default_rng(1).normal(0, 0.7, w.shape) for w in model.get_weights()])
    _equal(model)


def test_folded_batchnorm_layers():
    """The constants inference quantizes: the folded kernel and bias."""
    layers = [QConv2DBatchnorm(3, 3, name="cbn", **W), QDepthwiseConv2DBatchnorm(3, padding="same", name="dbn",
                                                                                 depthwise_quantizer=W["kernel_quantizer"],
                                                                                 bias_quantizer=W["bias_quantizer"])]
    x = keras.Input((6, 6, 2), name="x")
    y = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(x)
    for k, layer in enumerate(layers):  # a quantizer after each: Keras' float32 stays exact
        y = QActivation(quantized_bits(8, 3, alpha=1), name=f"q{k}")(layer(y))
    y = keras.layers.Flatten(name="flat")(y)
    y = QDenseBatchnorm(3, name="dbn_dense", **W)(y)
    model = keras.Model(x, y)
    rng = np.random.default_rng(2)
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:  # keep the variances positive
            layer.set_weights([np.abs(rng.normal(0.8, 0.3, w.shape)) + 0.2 if w.ndim else w for w in weights])
    _equal(model)


def test_pools():
    layers = [keras.layers.MaxPooling2D(2, padding="same", name="mp"),
              keras.layers.AveragePooling2D(2, name="ap"),
              QAveragePooling2D(1, name="qap1")]
    _equal(_model((7, 6, 2), *layers))
    qap = QAveragePooling2D((3, 3), average_quantizer=quantized_bits(8, 0, alpha=1),
                            activation=quantized_bits(8, 2, alpha=1), name="qap")
    graph = _equal(_model((6, 6, 2), qap))
    assert [n.op for n in graph.nodes] == ["pool", "affine", "quantize"]
    for keepdims in (False, True):
        _equal(_model((4, 4, 3), keras.layers.GlobalAveragePooling2D(keepdims=keepdims, name="gap")))
        _equal(_model((5, 3), keras.layers.GlobalMaxPooling1D(keepdims=keepdims, name="gmp")))
    gq = QGlobalAveragePooling2D(average_quantizer=quantized_bits(8, 0, alpha=1), name="gq")
    _equal(_model((3, 3, 2), gq))
    _equal(_model((8, 2), keras.layers.MaxPooling1D(3, strides=2, name="mp1"),
                  keras.layers.AveragePooling1D(2, name="ap1")))


def test_averages_with_no_exact_result_are_refused():
    with pytest.raises(UnsupportedLayerError, match=r"'avg3'.*divides by its area 9"):
        hwq.lower(_model((6, 6, 1), keras.layers.AveragePooling2D(3, name="avg3")))
    with pytest.raises(UnsupportedLayerError, match=r"'avg_same'.*border window"):
        hwq.lower(_model((5, 5, 1), keras.layers.AveragePooling2D(2, padding="same", name="avg_same")))


def test_padding_cropping_upsampling():
    layers = [keras.layers.ZeroPadding2D(((1, 2), (0, 1)), name="zp"),
              keras.layers.Cropping2D(((1, 0), (2, 1)), name="cr"),
              keras.layers.UpSampling2D((2, 3), name="up")]
    _equal(_model((4, 5, 2), *layers))
    _equal(_model((5, 2), keras.layers.ZeroPadding1D((2, 1), name="zp1"),
                  keras.layers.Cropping1D((1, 2), name="cr1"),
                  keras.layers.UpSampling1D(2, name="up1")))
    cf = [keras.layers.ZeroPadding2D(1, data_format="channels_first", name="zpf"),
          keras.layers.UpSampling2D(2, data_format="channels_first", name="upf")]
    _equal(_model((2, 3, 4), *cf))


def test_batchnorm_exact_where_its_constants_are():
    bn = QBatchNormalization(name="bn", inverse_quantizer=quantized_po2(4), gamma_quantizer=None,
                             variance_quantizer=None, beta_quantizer=quantized_bits(6, 2, alpha=1),
                             mean_quantizer=quantized_bits(6, 2, alpha=1))
    model = _model((4, 3), bn)
    bn = model.get_layer("bn")
    rng = np.random.default_rng(0)
    bn.set_weights([rng.uniform(0.5, 2, 3), rng.normal(0, 1, 3), rng.normal(0, 1, 3), rng.uniform(0.2, 3, 3)])
    graph = _equal(model)
    assert graph.node("bn").op == "affine"


def test_batchnorm_in_float_is_refused():
    model = _model((4, 3), QBatchNormalization(name="bn_float", gamma_quantizer=None, variance_quantizer=None,
                                               beta_quantizer=None, mean_quantizer=None))
    rng = np.random.default_rng(0)
    model.get_layer("bn_float").set_weights([rng.uniform(0.5, 2, 3), rng.normal(0, 1, 3), rng.normal(0, 1, 3),
                                             rng.uniform(0.2, 3, 3)])
    with pytest.raises(UnsupportedLayerError, match=r"'bn_float'.*float32.*QConv2DBatchnorm"):
        hwq.lower(model)


@pytest.mark.parametrize("layer, kind", [(keras.layers.Conv2D(2, 3, name="float_conv"), "Conv2D"),
                                         (keras.layers.Lambda(lambda t: t * 2, name="lam"), "Lambda")])
def test_layers_that_cannot_be_lowered_are_named(layer, kind):
    with pytest.raises(UnsupportedLayerError, match=rf"'{layer.name}' of type {kind}.*supported layers: .*QConv2D"):
        hwq.lower(_model((5, 5, 1), layer))


def test_qdense_on_a_convolution_output():
    _equal(_model((4, 4, 2), QConv2D(3, 2, name="c", **W), QDense(2, name="d", **W)))


@pytest.mark.parametrize("padding, strides, output_padding, dilation", [
    ("valid", 1, None, 1), ("valid", 2, None, 1), ("same", 2, None, 1), ("same", 3, None, 1), ("valid", 2, 1, 1),
    ("same", 2, 1, 1), ("valid", 1, None, 2), ("same", 1, None, 2)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_qconv2d_transpose(padding, strides, output_padding, dilation, data_format):
    shape = (4, 5, 2) if data_format == "channels_last" else (2, 4, 5)
    layer = QConv2DTranspose(3, (3, 2), strides=strides, padding=padding, output_padding=output_padding,
                             dilation_rate=dilation, data_format=data_format, name="ct", **W)
    graph = _equal(_model(shape, layer))
    assert [n.op for n in graph.nodes if n.op in ("pad", "conv")] == ["pad", "conv"]


def test_cli_takes_until_and_io(tmp_path, capsys):
    from hwq.cli import main

    model = _model((6, 6, 1), QConv2D(2, 3, name="c", **W), keras.layers.Flatten(name="f"),
                   QDense(3, name="logits", **W), keras.layers.Activation("softmax", name="probs"))
    path = tmp_path / "cnn.keras"
    model.save(path)
    assert main(["report", str(path)]) == 1  # the softmax has no exact form
    assert "until='logits'" in capsys.readouterr().err
    assert main(["report", str(path), "--until", "logits", "--io", "stream"]) == 0
    out = capsys.readouterr().out
    assert "io=stream" in out and "window" in out
    assert main(["convert", str(path), "--until", "logits", "--io", "parallel", "-o", str(tmp_path / "prj"),
                 "--backend", "catapult"]) == 0
