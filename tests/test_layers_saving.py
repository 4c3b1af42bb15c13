"""Every layer's quantizer arguments take objects, strings and dicts; a model using every quantized layer
trains, saves to .keras, loads without custom_objects, and predicts identically; the loaded layers keep
their quantizers and their state (moving statistics, step counters)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from hwq.layers import (
    QActivation,
    QAdaptiveActivation,
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
    QMobileNetSeparableConv2D,
    QSeparableConv1D,
    QSeparableConv2D,
)
from hwq.quantizers import quantized_bits

K = "quantized_bits(4,0,1)"           # becomes 'auto_po2' on kernels
K1 = "quantized_bits(6,1,alpha=1)"
B = "quantized_bits(8,3,alpha=1)"
RELU = "quantized_relu(6,2)"


def every_layer_model() -> keras.Model:
    inputs = keras.Input((8, 8, 3))
    x = QActivation("quantized_bits(8,2)", name="in_q")(inputs)
    x = QConv2D(4, 3, padding="same", kernel_quantizer=K, bias_quantizer=B, activation=RELU, name="conv",
                mask=np.ones((3, 3), np.float32))(x)
    x = QDepthwiseConv2D(3, padding="same", depth_multiplier=2, depthwise_quantizer=K1, bias_quantizer=B,
                         name="dw")(x)
    x = QSeparableConv2D(4, 3, padding="same", depthwise_quantizer=K1, pointwise_quantizer=K, bias_quantizer=B,
                         activation=RELU, name="sep")(x)
    x = QMobileNetSeparableConv2D(4, 3, padding="same", depthwise_quantizer=K1, pointwise_quantizer=K1,
                                  bias_quantizer=B, depthwise_activation="quantized_relu(6,2)", name="mb")(x)
    x = QConv2DBatchnorm(4, 3, padding="same", kernel_quantizer=K1, bias_quantizer=B, activation=RELU,
                         name="conv_bn")(x)
    x = QDepthwiseConv2DBatchnorm(3, padding="same", depthwise_quantizer=K1, bias_quantizer=B,
                                  folding_mode="batch_stats_folding", ema_freeze_delay=50, name="dw_bn")(x)
    x = QBatchNormalization(name="bn")(x)
    x = QAdaptiveActivation("quantized_bits", 8, quantization_delay=1, ema_decay=0.9, name="adaptive")(x)
    x = QConv2DTranspose(3, 2, strides=2, kernel_quantizer=K1, bias_quantizer=B, name="up")(x)
    x = QAveragePooling2D(2, average_quantizer="quantized_bits(8,0,1)", activation="quantized_bits(8,3)",
                          name="pool")(x)
    head = QGlobalAveragePooling2D(average_quantizer="quantized_bits(8,0,1)", name="gap")(x)
    head = QDenseBatchnorm(5, kernel_quantizer=K1, bias_quantizer=B, name="dense_bn")(head)
    seq = keras.layers.Reshape((64, 3))(x)
    seq = QConv1D(4, 3, padding="causal", kernel_quantizer=K1, bias_quantizer=B, activation=RELU, name="c1")(seq)
    seq = QSeparableConv1D(4, 3, strides=2, depthwise_quantizer=K1, pointwise_quantizer=K1, bias_quantizer=B,
                           name="sep1")(seq)
    seq = QDense(2, kernel_quantizer=K1, bias_quantizer=B, name="seq_out")(keras.layers.Flatten()(seq))
    return keras.Model(inputs, [head, seq])


def test_every_layer_trains_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(7)
    model = every_layer_model()
    # eager: two small steps cost less than tracing this many layers into a graph
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["mse", "mse"], run_eagerly=True)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, size=(32, 8, 8, 3)).astype(np.float32)
    targets = [rng.normal(size=(32, 5)).astype(np.float32), rng.normal(size=(32, 2)).astype(np.float32)]
    model.fit(x, targets, epochs=1, batch_size=16, verbose=0)
    path = tmp_path / "every_layer.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects: `import hwq.layers` registered everything

    for a, b in zip(model(x), loaded(x), strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    for layer in model.layers:
        twin = loaded.get_layer(layer.name)
        assert type(twin) is type(layer)
        assert twin.get_config() == layer.get_config(), layer.name
        for v, w in zip(layer.weights, twin.weights, strict=True):
            assert np.array_equal(np.asarray(v), np.asarray(w)), (layer.name, v.name)
    # the state that decides the next training step came back too: one more training call agrees
    assert int(loaded.get_layer("conv_bn")._iteration.numpy()) == 1  # two steps from -1
    assert int(loaded.get_layer("adaptive").step.numpy()) == 1
    batch = x[:8]
    for a, b in zip(model(batch, training=True), loaded(batch, training=True), strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b))


# every quantizer argument of every layer, and whether QKeras' _set_trainable_parameter applies to it
QUANTIZER_ARGUMENTS = [
    (QConv1D, (2, 3), "kernel_quantizer", True), (QConv1D, (2, 3), "bias_quantizer", False),
    (QConv2D, (2, 3), "kernel_quantizer", True), (QConv2D, (2, 3), "bias_quantizer", False),
    (QDepthwiseConv2D, (3,), "depthwise_quantizer", True), (QDepthwiseConv2D, (3,), "bias_quantizer", False),
    (QSeparableConv1D, (2, 3), "depthwise_quantizer", True), (QSeparableConv1D, (2, 3), "pointwise_quantizer", True),
    (QSeparableConv2D, (2, 3), "depthwise_quantizer", True), (QSeparableConv2D, (2, 3), "pointwise_quantizer", True),
    (QSeparableConv2D, (2, 3), "bias_quantizer", False),
    (QConv2DTranspose, (2, 3), "kernel_quantizer", True), (QConv2DTranspose, (2, 3), "bias_quantizer", False),
    (QAveragePooling2D, (), "average_quantizer", False), (QGlobalAveragePooling2D, (), "average_quantizer", False),
    (QBatchNormalization, (), "gamma_quantizer", True), (QBatchNormalization, (), "variance_quantizer", True),
    (QBatchNormalization, (), "beta_quantizer", False), (QBatchNormalization, (), "mean_quantizer", False),
    (QDenseBatchnorm, (2,), "kernel_quantizer", True), (QDenseBatchnorm, (2,), "bias_quantizer", False),
    (QConv2DBatchnorm, (2, 3), "kernel_quantizer", True), (QConv2DBatchnorm, (2, 3), "bias_quantizer", False),
    (QDepthwiseConv2DBatchnorm, (3,), "depthwise_quantizer", True),
    (QDepthwiseConv2DBatchnorm, (3,), "bias_quantizer", False),
]


@pytest.mark.parametrize("cls,args,argument,trainable_scale", QUANTIZER_ARGUMENTS,
                         ids=[f"{c.__name__}-{a}" for c, _, a, _ in QUANTIZER_ARGUMENTS])
def test_quantizer_arguments_take_objects_strings_and_dicts(cls, args, argument, trainable_scale):
    given = quantized_bits(5, 1)
    forms = [given, "quantized_bits(5,1)", keras.saving.serialize_keras_object(given),
             {"class_name": "quantized_bits", "config": {"bits": 5, "integer": 1}}]  # a QKeras-style dict
    expected = "quantized_bits(5,1,1,alpha='auto_po2')" if trainable_scale else "quantized_bits(5,1,0)"
    for form in forms:
        layer = cls(*args, **{argument: form})
        assert str(getattr(layer, f"{argument}_internal")) == expected, form
        assert getattr(layer, argument) == form  # QKeras keeps what the user gave (Keras copies dicts)
    assert given.alpha is None  # layers quantize with their own copy
