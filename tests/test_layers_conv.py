"""Quantized convolutions against independent numpy convolutions on hand-built weights.

Exactness: inputs are multiples of 2^-4 in [-4, 4), kernels are quantized to quantized_bits(4,0)
(multiples of 2^-3 in [-1, 1)) and biases to a 2^-3 grid. Every product is a multiple of 2^-7 (2^-10 after
a separable conv's second kernel) and every partial sum stays far below 2^24 of those units, so float32
holds each partial sum exactly whatever order TensorFlow adds them in: outputs must be *equal*, not close.
channels_first runs on TF's CPU (Keras transposes around the NHWC kernels), so it is tested for real.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from support import numpy_layers as ref

from hwq.layers import (
    QActivation,
    QConv1D,
    QConv2D,
    QConv2DTranspose,
    QDepthwiseConv2D,
    QMobileNetSeparableConv2D,
    QSeparableConv1D,
    QSeparableConv2D,
)
from hwq.quantizers import quantized_bits

K4 = "quantized_bits(4,0,alpha=1)"       # kernels: 2^-3 grid in [-1, 1)
B6 = "quantized_bits(6,2,alpha=1)"       # biases: 2^-3 grid in [-4, 4)
RNG = np.random.default_rng(20261112)


def dyadic(shape, frac: int = 4, limit: float = 4.0) -> np.ndarray:
    """Random multiples of 2^-frac in [-limit, limit), as float32 (exact)."""
    n = int(limit * 2 ** frac)
    return np.ldexp(RNG.integers(-n, n, size=shape), -frac).astype(np.float32)


def off_grid(shape, limit: float = 1.2) -> np.ndarray:
    """Float weights that need rounding (and some saturation) by the quantizers."""
    return RNG.uniform(-limit, limit, size=shape).astype(np.float32)


def to_layer_format(x: np.ndarray, data_format: str) -> np.ndarray:
    """channels_last reference data -> the layer's layout."""
    return np.moveaxis(x, -1, 1) if data_format == "channels_first" else x


def from_layer_format(y, data_format: str) -> np.ndarray:
    y = np.asarray(y)
    return np.moveaxis(y, 1, -1) if data_format == "channels_first" else y


def run(layer, x_cl: np.ndarray, data_format: str, weights: dict[str, np.ndarray]) -> np.ndarray:
    """Build the layer, set its named weights, call it on channels_last data in its own layout."""
    x = to_layer_format(x_cl, data_format)
    layer.build(x.shape)
    for w in layer.weights:
        w.assign(weights[w.name])
    return from_layer_format(layer(x), data_format)


# -- QConv2D -------------------------------------------------------------------------------------------

CONV2D_CASES = [
    # padding, strides, dilation, data_format, input spatial
    ("valid", (1, 1), (1, 1), "channels_last", (7, 9)),
    ("same", (1, 1), (1, 1), "channels_last", (7, 9)),
    ("same", (2, 2), (1, 1), "channels_last", (7, 9)),
    ("same", (2, 2), (1, 1), "channels_last", (8, 8)),   # odd total padding: the extra row/column goes after
    ("valid", (2, 3), (1, 1), "channels_last", (8, 9)),
    ("same", (1, 1), (2, 2), "channels_last", (7, 9)),
    ("valid", (1, 1), (1, 2), "channels_last", (7, 9)),
    ("same", (2, 1), (1, 1), "channels_first", (7, 9)),
    ("valid", (1, 1), (2, 1), "channels_first", (8, 8)),
]


@pytest.mark.parametrize("padding,strides,dilation,data_format,spatial", CONV2D_CASES)
def test_qconv2d_forward(padding, strides, dilation, data_format, spatial):
    x = dyadic((2, *spatial, 3))
    kernel, bias = off_grid((3, 3, 3, 4)), off_grid((4,), 5.0)
    layer = QConv2D(4, (3, 3), strides=strides, padding=padding, dilation_rate=dilation, data_format=data_format,
                    kernel_quantizer=K4, bias_quantizer=B6, activation="quantized_relu(6,2)")
    y = run(layer, x, data_format, {"kernel": kernel, "bias": bias})
    pre = ref.conv(x, ref.quantized_bits_fixed(kernel, 4, 0), strides, padding, dilation)
    expected = ref.quantized_relu_fixed(pre + ref.quantized_bits_fixed(bias, 6, 2), 6, 2)
    assert y.shape == expected.shape
    assert np.array_equal(y, expected)


def test_qconv2d_without_quantizers_is_keras_conv2d():
    x = dyadic((2, 6, 6, 2))
    kernel, bias = dyadic((3, 3, 2, 3), frac=3, limit=1.0), dyadic((3,), frac=3)
    y = run(QConv2D(3, 3, padding="same"), x, "channels_last", {"kernel": kernel, "bias": bias})
    assert np.array_equal(y, ref.conv(x, kernel, padding="same") + bias)


def test_qconv2d_mask_removes_kernel_taps():
    mask = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float32)
    x = dyadic((2, 6, 6, 2))
    kernel, bias = off_grid((3, 3, 2, 3)), off_grid((3,))
    layer = QConv2D(3, 3, kernel_quantizer=K4, bias_quantizer=B6, mask=mask)
    y = run(layer, x, "channels_last", {"kernel": kernel, "bias": bias})
    qk = ref.quantized_bits_fixed(kernel, 4, 0) * mask[:, :, None, None]
    assert np.array_equal(y, ref.conv(x, qk) + ref.quantized_bits_fixed(bias, 6, 2))
    clone = QConv2D.from_config(layer.get_config())  # the config holds the mask as a nested list
    assert np.array_equal(clone._mask, layer._mask)


def test_kernel_quantizer_without_alpha_learns_po2_scales():
    """QKeras' _set_trainable_parameter: quantized_bits(4,0,1) on a kernel becomes alpha='auto_po2'.

    The forward then equals the float conv with the kernel that quantizer produces (its per-channel
    scales are checked by the quantizer tests; here only that the layer uses them)."""
    given = quantized_bits(4, 0, 1)
    layer = QConv2D(3, 3, kernel_quantizer=given, bias_quantizer=B6)
    assert given.alpha is None  # the user's object is untouched: the layer works on a copy
    assert str(layer.kernel_quantizer_internal) == "quantized_bits(4,0,1,alpha='auto_po2')"
    x = dyadic((2, 6, 6, 2))
    kernel = off_grid((3, 3, 2, 3))
    y = run(layer, x, "channels_last", {"kernel": kernel, "bias": np.zeros(3, np.float32)})
    qk = np.asarray(layer.kernel_quantizer_internal(kernel))
    scales = np.asarray(layer.kernel_quantizer_internal.scale).reshape(-1)
    assert all(float(np.log2(s)).is_integer() for s in scales)  # per-channel powers of two
    assert np.array_equal(y, ref.conv(x, qk))


# -- QConv1D -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("padding,stride,dilation,data_format", [
    ("valid", 1, 1, "channels_last"), ("same", 2, 1, "channels_last"), ("causal", 1, 2, "channels_last"),
    ("valid", 1, 3, "channels_last"), ("same", 1, 2, "channels_first"), ("causal", 2, 1, "channels_first"),
])
def test_qconv1d_forward(padding, stride, dilation, data_format):
    x = dyadic((3, 11, 2))
    kernel, bias = off_grid((3, 2, 5)), off_grid((5,), 5.0)
    layer = QConv1D(5, 3, strides=stride, padding=padding, dilation_rate=dilation, data_format=data_format,
                    kernel_quantizer=K4, bias_quantizer=B6)
    y = run(layer, x, data_format, {"kernel": kernel, "bias": bias})
    if padding == "causal":
        # causal: only the past is padded, by the dilated kernel's reach; then a valid convolution
        x_ref, pad_ref = np.pad(x, ((0, 0), (dilation * 2, 0), (0, 0))), "valid"
    else:
        x_ref, pad_ref = x, padding
    expected = ref.conv(x_ref, ref.quantized_bits_fixed(kernel, 4, 0), (stride,), pad_ref, (dilation,))
    assert np.array_equal(y, expected + ref.quantized_bits_fixed(bias, 6, 2))


# -- QDepthwiseConv2D ----------------------------------------------------------------------------------

@pytest.mark.parametrize("padding,strides,dilation,multiplier,data_format", [
    ("valid", (1, 1), (1, 1), 1, "channels_last"),
    ("same", (2, 2), (1, 1), 2, "channels_last"),
    ("same", (1, 1), (2, 1), 3, "channels_last"),
    ("valid", (1, 2), (1, 1), 2, "channels_first"),
])
def test_qdepthwise_conv2d_forward(padding, strides, dilation, multiplier, data_format):
    x = dyadic((2, 7, 8, 3))
    kernel, bias = off_grid((3, 3, 3, multiplier)), off_grid((3 * multiplier,), 5.0)
    layer = QDepthwiseConv2D((3, 3), strides=strides, padding=padding, dilation_rate=dilation,
                             depth_multiplier=multiplier, data_format=data_format, depthwise_quantizer=K4,
                             bias_quantizer=B6, activation="quantized_relu(6,2)")
    y = run(layer, x, data_format, {"depthwise_kernel": kernel, "bias": bias})
    pre = ref.depthwise_conv(x, ref.quantized_bits_fixed(kernel, 4, 0), strides, padding, dilation)
    expected = ref.quantized_relu_fixed(pre + ref.quantized_bits_fixed(bias, 6, 2), 6, 2)
    assert np.array_equal(y, expected)


# -- QSeparableConv1D / 2D -----------------------------------------------------------------------------

@pytest.mark.parametrize("padding,strides,dilation,multiplier,data_format", [
    ("valid", (1, 1), (1, 1), 1, "channels_last"),
    ("same", (2, 2), (1, 1), 2, "channels_last"),
    ("same", (1, 1), (2, 2), 2, "channels_last"),
    ("valid", (1, 1), (1, 1), 2, "channels_first"),
])
def test_qseparable_conv2d_forward(padding, strides, dilation, multiplier, data_format):
    x = dyadic((2, 7, 7, 3))
    dw, pw, bias = off_grid((3, 3, 3, multiplier)), off_grid((1, 1, 3 * multiplier, 4)), off_grid((4,), 5.0)
    layer = QSeparableConv2D(4, 3, strides=strides, padding=padding, dilation_rate=dilation,
                             depth_multiplier=multiplier, data_format=data_format, depthwise_quantizer=K4,
                             pointwise_quantizer=K4, bias_quantizer=B6)
    y = run(layer, x, data_format, {"depthwise_kernel": dw, "pointwise_kernel": pw, "bias": bias})
    expected = ref.separable_conv(x, ref.quantized_bits_fixed(dw, 4, 0), ref.quantized_bits_fixed(pw, 4, 0),
                                  strides, padding, dilation)
    assert np.array_equal(y, expected + ref.quantized_bits_fixed(bias, 6, 2))


@pytest.mark.parametrize("padding,stride,dilation,data_format", [
    ("valid", 1, 1, "channels_last"), ("same", 2, 1, "channels_last"), ("same", 1, 2, "channels_first"),
])
def test_qseparable_conv1d_forward(padding, stride, dilation, data_format):
    x = dyadic((2, 10, 3))
    dw, pw, bias = off_grid((3, 3, 2)), off_grid((1, 6, 4)), off_grid((4,), 5.0)
    layer = QSeparableConv1D(4, 3, strides=stride, padding=padding, dilation_rate=dilation, depth_multiplier=2,
                             data_format=data_format, depthwise_quantizer=K4, pointwise_quantizer=K4,
                             bias_quantizer=B6)
    y = run(layer, x, data_format, {"depthwise_kernel": dw, "pointwise_kernel": pw, "bias": bias})
    expected = ref.separable_conv(x, ref.quantized_bits_fixed(dw, 4, 0), ref.quantized_bits_fixed(pw, 4, 0),
                                  (stride,), padding, (dilation,))
    assert np.array_equal(y, expected + ref.quantized_bits_fixed(bias, 6, 2))


# -- QMobileNetSeparableConv2D -------------------------------------------------------------------------

@pytest.mark.parametrize("pw_first", [False, True])
def test_qmobilenet_separable_conv2d_quantizes_between_the_convolutions(pw_first):
    inputs = keras.Input((6, 6, 3))
    block = QMobileNetSeparableConv2D(4, 3, depth_multiplier=1, padding="same", depthwise_quantizer=K4,
                                      pointwise_quantizer=K4, bias_quantizer=B6,
                                      depthwise_activation="quantized_relu(4,2)",
                                      activation="quantized_relu(6,2)", pw_first=pw_first, name="blk")
    model = keras.Model(inputs, block(inputs))
    names = [layer.name for layer in model.layers[1:]]
    assert names == (["blk_pw", "blk_dw_act", "blk_dw", "blk_pw_act"] if pw_first
                     else ["blk_dw", "blk_dw_act", "blk_pw", "blk_pw_act"])
    assert model.get_layer("blk_dw").use_bias is False
    dw_channels = 4 if pw_first else 3
    dw, pw, bias = off_grid((3, 3, dw_channels, 1)), off_grid((1, 1, 3, 4)), off_grid((4,), 5.0)
    model.get_layer("blk_dw").set_weights([dw])
    model.get_layer("blk_pw").set_weights([pw, bias])
    x = dyadic((2, 6, 6, 3))
    qdw, qpw = ref.quantized_bits_fixed(dw, 4, 0), ref.quantized_bits_fixed(pw, 4, 0)
    qb = ref.quantized_bits_fixed(bias, 6, 2)
    if pw_first:
        mid = ref.quantized_relu_fixed(ref.conv(x, qpw) + qb, 4, 2)
        pre = ref.depthwise_conv(mid, qdw, padding="same")
    else:
        mid = ref.quantized_relu_fixed(ref.depthwise_conv(x, qdw, padding="same"), 4, 2)
        pre = ref.conv(mid, qpw) + qb
    assert np.array_equal(model.predict(x, verbose=0), ref.quantized_relu_fixed(pre, 6, 2))


def test_qmobilenet_without_name_lets_keras_name_layers():
    inputs = keras.Input((6, 6, 2))
    x = QMobileNetSeparableConv2D(3, 3, depthwise_activation=QActivation("quantized_relu(4,0)"),
                                  activation="relu", depthwise_dropout_rate=0.1)(inputs)
    x = QMobileNetSeparableConv2D(3, 1)(x)  # a second unnamed block must not collide
    model = keras.Model(inputs, x)
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == ["QDepthwiseConv2D", "QActivation", "Dropout", "QConv2D", "Activation",
                     "QDepthwiseConv2D", "QConv2D"]


# -- QConv2DTranspose ----------------------------------------------------------------------------------

@pytest.mark.parametrize("padding,strides,dilation,output_padding,data_format", [
    ("valid", (1, 1), (1, 1), None, "channels_last"),
    ("same", (1, 1), (1, 1), None, "channels_last"),
    ("valid", (2, 2), (1, 1), None, "channels_last"),
    ("same", (2, 2), (1, 1), None, "channels_last"),
    ("same", (2, 3), (1, 1), None, "channels_last"),
    ("valid", (3, 3), (1, 1), None, "channels_last"),   # stride larger than the kernel: gaps of zeros
    ("same", (2, 2), (1, 1), (1, 0), "channels_last"),
    ("valid", (2, 2), (1, 1), (1, 1), "channels_last"),
    ("same", (1, 1), (2, 2), None, "channels_last"),
    ("same", (2, 2), (1, 1), None, "channels_first"),
])
def test_qconv2d_transpose_forward(padding, strides, dilation, output_padding, data_format):
    x = dyadic((2, 4, 5, 3))
    kernel, bias = off_grid((2, 3, 4, 3)), off_grid((4,), 5.0)  # (kh, kw, filters, input channels)
    layer = QConv2DTranspose(4, (2, 3), strides=strides, padding=padding, dilation_rate=dilation,
                             output_padding=output_padding, data_format=data_format, kernel_quantizer=K4,
                             bias_quantizer=B6)
    y = run(layer, x, data_format, {"kernel": kernel, "bias": bias})
    expected = ref.conv2d_transpose(x, ref.quantized_bits_fixed(kernel, 4, 0), strides, padding, dilation,
                                    output_padding) + ref.quantized_bits_fixed(bias, 6, 2)
    assert y.shape == expected.shape
    assert np.array_equal(y, expected)


# -- attributes, gradients, configs ----------------------------------------------------------------------

def test_qkeras_attributes_and_default_constraints():
    conv = QConv2D(2, 3, kernel_quantizer=quantized_bits(4, 2, alpha=1), bias_quantizer=B6)
    assert conv.kernel_initializer.__class__.__name__ == "HeNormal" and conv.data_format == "channels_last"
    assert conv.get_quantizers() == [conv.kernel_quantizer_internal, conv.bias_quantizer_internal]
    assert (conv.kernel_constraint.min_value, conv.kernel_constraint.max_value) == (-4.0, 4.0)
    assert conv.get_quantization_config()["kernel_quantizer"] == "quantized_bits(4,2,0,alpha=1)"
    dw = QDepthwiseConv2D(3, depthwise_quantizer=K4)
    assert dw.padding == "valid" and dw.get_quantizers()[1] is None and dw.bias_constraint is None
    dw.build((None, 5, 5, 2))
    assert [w.name for w in dw.weights] == ["depthwise_kernel", "bias"]
    assert dw.get_prunable_weights() == [dw.depthwise_kernel]
    sep = QSeparableConv2D(2, 3, depthwise_quantizer=K4, pointwise_quantizer="quantized_bits(4,0,1)")
    assert str(sep.pointwise_quantizer_internal) == "quantized_bits(4,0,1,alpha='auto_po2')"
    assert sep.depthwise_initializer.__class__.__name__ == "GlorotUniform"
    assert len(sep.get_quantizers()) == 3
    tr = QConv2DTranspose(2, 3, kernel_quantizer=K4)
    assert tr.kernel_initializer.__class__.__name__ == "GlorotUniform"
    with pytest.warns(UserWarning, match="kernel_range is deprecated"):
        QConv1D(2, 3, kernel_range=1.0)


def layer_cases():
    """(layer, input shape) pairs covering every quantized weight of every convolution."""
    return [
        (QConv1D(3, 3, padding="causal", kernel_quantizer=K4, bias_quantizer=B6, activation="quantized_relu(4,0)"),
         (2, 8, 2)),
        (QConv2D(3, 3, kernel_quantizer="quantized_bits(4,0,1)", bias_quantizer=B6,
                 mask=np.ones((3, 3), np.float32)), (2, 6, 6, 2)),
        (QDepthwiseConv2D(3, depth_multiplier=2, depthwise_quantizer=K4, bias_quantizer=B6,
                          activation="quantized_bits(6,2)"), (2, 6, 6, 2)),
        (QSeparableConv1D(3, 3, depthwise_quantizer=K4, pointwise_quantizer=K4, bias_quantizer=B6), (2, 8, 2)),
        (QSeparableConv2D(3, 3, depthwise_quantizer=K4, pointwise_quantizer=K4, bias_quantizer=B6,
                          activation="relu"), (2, 6, 6, 2)),
        (QConv2DTranspose(3, 3, strides=2, kernel_quantizer=K4, bias_quantizer=B6, output_padding=1),
         (2, 4, 4, 2)),
    ]


@pytest.mark.parametrize("layer,shape", layer_cases(), ids=lambda v: type(v).__name__ if hasattr(v, "name") else "")
def test_gradients_flow_through_weight_quantizers(layer, shape):
    x = tf.constant(dyadic(shape))
    layer.build(shape)
    # weights start on the grid interior, so the straight-through gradients are non-zero
    for w in layer.trainable_weights:
        w.assign(np.full(w.shape, 0.25, np.float32) if "bias" in w.name else off_grid(w.shape, 0.9))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True) ** 2)
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(grads) == len(layer.trainable_weights) >= 2
    for w, g in zip(layer.trainable_weights, grads, strict=True):
        assert g is not None and np.any(np.asarray(g) != 0), w.name


@pytest.mark.parametrize("layer,shape", layer_cases(), ids=lambda v: type(v).__name__ if hasattr(v, "name") else "")
def test_config_round_trip(layer, shape):
    config = layer.get_config()
    for key, value in config.items():
        if key.endswith("_quantizer") and value is not None:
            assert value["registered_name"].startswith("hwq>"), key
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = dyadic(shape)
    layer.build(shape)
    clone.build(shape)
    clone.set_weights(layer.get_weights())
    assert np.array_equal(np.asarray(layer(x)), np.asarray(clone(x)))


def test_quantizers_given_as_strings_dicts_and_objects_agree():
    obj = quantized_bits(4, 0, alpha=1)
    as_dict = keras.saving.serialize_keras_object(obj)
    layers = [QDepthwiseConv2D(3, depthwise_quantizer=q, bias_quantizer=q) for q in (obj, K4, as_dict)]
    assert len({str(layer.depthwise_quantizer_internal) for layer in layers}) == 1
    x = dyadic((1, 5, 5, 2))
    weights = None
    outputs = []
    for layer in layers:
        layer.build(x.shape)
        weights = weights or layer.get_weights()
        layer.set_weights(weights)
        outputs.append(np.asarray(layer(x)))
    assert all(np.array_equal(outputs[0], y) for y in outputs[1:])


def test_short_training_step_changes_weights():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((8, 8, 2)),
        QConv2D(4, 3, kernel_quantizer="quantized_bits(4,0,1)", bias_quantizer=B6, activation="quantized_relu(4,2)"),
        QSeparableConv2D(4, 3, depthwise_quantizer=K4, pointwise_quantizer=K4, bias_quantizer=B6),
        QConv2DTranspose(2, 3, strides=2, kernel_quantizer=K4, bias_quantizer=B6),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    x, y = dyadic((16, 8, 8, 2)), dyadic((16, 9, 9, 2), limit=1.0)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
