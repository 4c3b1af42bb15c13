"""QDepthwiseConv2DTranspose, QSeparableConv2DTranspose and the octave convolutions (QKeras' qoctave).

Forward passes are compared with independent numpy references (tests/support/numpy_layers.py) of QKeras'
formulas. Exactness: inputs are multiples of 2^-4 in [-4, 4), kernels quantized_bits(4,0) (multiples of 2^-3),
biases a 2^-3 grid, activations fixed-point grids; every product and partial sum is a multiple of at most 2^-10
far below 2^24 such units, so float32 holds every sum exactly in any order: outputs must be *equal*.
"""

from __future__ import annotations

import importlib

import keras
import numpy as np
import pytest
import tensorflow as tf
from support import numpy_layers as ref

import hwq
import hwq.layers
import hwq.qkeras
from hwq.fixed import parse_type, quantize, to_float
from hwq.layers import (
    GetActivationSuffix,
    OctaveConv2D,
    QActivation,
    QDepthwiseConv2DTranspose,
    QOctaveConv2D,
    QSeparableConv2DTranspose,
)
from hwq.quantizers import quantized_bits, quantized_relu

K4 = "quantized_bits(4,0,alpha=1)"  # kernels: 2^-3 grid in [-1, 1)
B6 = "quantized_bits(6,2,alpha=1)"  # biases: 2^-3 grid in [-4, 4)
RNG = np.random.default_rng(20261207)


def dyadic(shape, frac: int = 4, limit: float = 4.0) -> np.ndarray:
    """Random multiples of 2^-frac in [-limit, limit), as float32 (exact)."""
    n = int(limit * 2 ** frac)
    return np.ldexp(RNG.integers(-n, n, size=shape), -frac).astype(np.float32)


def off_grid(shape, limit: float = 1.2) -> np.ndarray:
    """Float weights that the quantizers must round (and some saturate)."""
    return RNG.uniform(-limit, limit, size=shape).astype(np.float32)


def run(layer, x_cl: np.ndarray, data_format: str, weights: dict[str, np.ndarray]) -> np.ndarray:
    """Build the layer, set its weights by name, call it on channels_last data given in its own layout."""
    x = np.moveaxis(x_cl, -1, 1) if data_format == "channels_first" else x_cl
    layer.build(x.shape)
    for w in layer.weights:
        w.assign(weights[w.name])
    y = np.asarray(layer(x))
    return np.moveaxis(y, 1, -1) if data_format == "channels_first" else y


def grouped_transpose_ref(x, kernel, group_size: int, strides, padding, dilation, output_padding):
    """QKeras' grouped transposed convolution: group g's channels through kernel[:, :, group g's outputs, :]."""
    parts = []
    for g in range(x.shape[-1] // group_size):
        sl = slice(g * group_size, (g + 1) * group_size)
        parts.append(ref.conv2d_transpose(x[..., sl], kernel[:, :, sl, :], strides, padding, dilation,
                                          output_padding))
    return np.concatenate(parts, axis=-1)


# -- QDepthwiseConv2DTranspose ---------------------------------------------------------------------------

@pytest.mark.parametrize("padding,strides,dilation,output_padding,group_size,data_format", [
    ("valid", (1, 1), (1, 1), None, 1, "channels_last"),
    ("same", (2, 2), (1, 1), None, 1, "channels_last"),
    ("same", (2, 3), (1, 1), None, 2, "channels_last"),
    ("valid", (3, 3), (1, 1), None, 4, "channels_last"),   # stride beyond the kernel: rows of zeros between
    ("same", (2, 2), (1, 1), (1, 0), 2, "channels_last"),
    ("valid", (2, 2), (1, 1), (1, 1), 1, "channels_last"),
    ("same", (1, 1), (2, 2), None, 2, "channels_last"),
    ("same", (2, 2), (1, 1), None, 2, "channels_first"),
])
@pytest.mark.parametrize("activation", [None, "quantized_bits(8,3,alpha=1)"])
def test_depthwise_transpose_forward(padding, strides, dilation, output_padding, group_size, data_format,
                                     activation):
    x = dyadic((2, 4, 5, 4))
    kernel, bias = off_grid((2, 3, 4, group_size)), off_grid((3,), 5.0)
    layer = QDepthwiseConv2DTranspose(3, (2, 3), group_size=group_size, strides=strides, padding=padding,
                                      dilation_rate=dilation, output_padding=output_padding, data_format=data_format,
                                      depthwise_activation=activation, depthwise_kernel_quantizer=K4,
                                      bias_quantizer=B6)
    y = run(layer, x, data_format, {"depthwise_kernel": kernel, "bias": bias})
    expected = grouped_transpose_ref(x, ref.quantized_bits_fixed(kernel, 4, 0), group_size, strides, padding,
                                     dilation, output_padding)  # no bias: QKeras never adds it
    if activation:
        expected = ref.quantized_bits_fixed(expected, 8, 3)
    assert y.shape == expected.shape
    assert np.array_equal(y, expected)


def test_depthwise_transpose_on_qkeras_own_example():
    """QKeras' example: rows 0,1,2,3 in every channel, a 2x2 kernel of c+1 in channel c, stride 2 'same':
    output row r is (r // 2)·(c+1), times group_size when each output sums group_size equal channels."""
    rows = np.broadcast_to(np.arange(4, dtype=np.float32)[None, :, None, None], (1, 4, 4, 3))
    for group_size in (1, 3):
        layer = QDepthwiseConv2DTranspose(2, (2, 2), group_size=group_size, strides=(2, 2), padding="same")
        kernel = np.broadcast_to(np.arange(1.0, 4.0)[None, None, :, None], (2, 2, 3, group_size))
        y = run(layer, rows, "channels_last", {"depthwise_kernel": kernel, "bias": np.zeros(2)})
        r, c = np.meshgrid(np.arange(8), np.arange(3), indexing="ij")
        assert np.array_equal(y[0], np.broadcast_to(((r // 2) * (c + 1) * group_size)[:, None, :], (8, 8, 3)))


def test_depthwise_transpose_qkeras_attributes():
    with pytest.warns(UserWarning, match="does not apply `activation`"):
        QDepthwiseConv2DTranspose(2, 3, activation="relu")
    with pytest.warns(UserWarning, match="ignores depth_multiplier=2"):
        QDepthwiseConv2DTranspose(2, 3, depth_multiplier=2)
    layer = QDepthwiseConv2DTranspose(5, 3, group_size=2, depthwise_kernel_quantizer="quantized_bits(4,0,1)",
                                      bias_quantizer=B6, depthwise_activation="quantized_relu(4,2)")
    layer.build((None, 6, 6, 4))
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [("depthwise_kernel", (3, 3, 4, 2)), ("bias", (5,))]
    assert [str(q) for q in layer.get_quantizers()] == [
        "quantized_bits(4,0,1,alpha='auto_po2')", str(quantized_bits(6, 2, alpha=1)), "quantized_relu(4,2)"]
    assert layer.kernel_constraint is None  # QKeras adds no Clip to these kernels
    assert layer.get_prunable_weights() == [layer.depthwise_kernel, layer.bias]
    assert layer.compute_output_shape((None, 6, 6, 4)) == (None, 8, 8, 4)
    with pytest.raises(ValueError, match="do not split into groups"):
        QDepthwiseConv2DTranspose(2, 3, group_size=3).build((None, 4, 4, 4))


def test_depthwise_transpose_bias_is_never_added():
    x = dyadic((1, 3, 3, 2))
    layer = QDepthwiseConv2DTranspose(2, 2, depthwise_kernel_quantizer=K4)
    a = run(layer, x, "channels_last", {"depthwise_kernel": off_grid((2, 2, 2, 1)), "bias": np.zeros(2)})
    layer.bias.assign(np.full(2, 7.0))
    assert np.array_equal(a, np.asarray(layer(x)))


# -- QSeparableConv2DTranspose ---------------------------------------------------------------------------

@pytest.mark.parametrize("padding,strides,dilation,output_padding,data_format", [
    ("valid", (1, 1), (1, 1), None, "channels_last"),
    ("same", (2, 2), (1, 1), None, "channels_last"),
    ("same", (2, 3), (1, 1), (1, 2), "channels_last"),
    ("valid", (3, 2), (1, 1), None, "channels_last"),
    ("valid", (1, 1), (2, 1), None, "channels_last"),
    ("same", (2, 1), (1, 1), None, "channels_first"),
])
@pytest.mark.parametrize("activations", [(None, None), ("quantized_bits(8,3,alpha=1)", "quantized_relu(6,2)")])
def test_separable_transpose_forward(padding, strides, dilation, output_padding, data_format, activations):
    x = dyadic((2, 4, 5, 3))
    dw, pw, bias = off_grid((2, 3, 1, 3)), off_grid((1, 1, 4, 3)), off_grid((4,), 5.0)
    dw_act, pw_act = activations
    layer = QSeparableConv2DTranspose(4, (2, 3), strides=strides, padding=padding, dilation_rate=dilation,
                                      output_padding=output_padding, data_format=data_format,
                                      depthwise_activation=dw_act, pointwise_activation=pw_act,
                                      depthwise_kernel_quantizer=K4, pointwise_kernel_quantizer=K4, bias_quantizer=B6)
    y = run(layer, x, data_format, {"depthwise_kernel": dw, "pointwise_kernel": pw, "bias": bias})
    dq, pq = ref.quantized_bits_fixed(dw, 4, 0), ref.quantized_bits_fixed(pw, 4, 0)
    # channel c through dw[..., 0, c]: as a (kh, kw, channels, 1) kernel, groups of one channel
    mid = grouped_transpose_ref(x, np.swapaxes(dq, -1, -2), 1, strides, padding, dilation, output_padding)
    if dw_act:
        mid = ref.quantized_bits_fixed(mid, 8, 3)
    expected = mid @ pq[0, 0].T + ref.quantized_bits_fixed(bias, 6, 2)
    if pw_act:
        expected = ref.quantized_relu_fixed(expected, 6, 2)
    assert y.shape == expected.shape
    assert np.array_equal(y, expected)


def test_separable_transpose_on_qkeras_own_example():
    """QKeras' example: rows 0..3 in 3 channels, depthwise 2x2 kernels of 1, 2, 3, pointwise [1,1,1] and [2,2,2],
    stride 2 'same': output row r is 6·(r // 2) and twice that."""
    rows = np.broadcast_to(np.arange(4, dtype=np.float32)[None, :, None, None], (1, 4, 4, 3))
    layer = QSeparableConv2DTranspose(2, (2, 2), strides=(2, 2), padding="same")
    dw = np.broadcast_to(np.arange(1.0, 4.0), (2, 2, 1, 3))
    pw = np.array([[[[1.0] * 3, [2.0] * 3]]])
    y = run(layer, rows, "channels_last", {"depthwise_kernel": dw, "pointwise_kernel": pw, "bias": np.zeros(2)})
    r = np.arange(8)[:, None, None]
    assert np.array_equal(y[0], np.broadcast_to(6 * (r // 2) * np.array([1, 2]), (8, 8, 2)))


def test_separable_transpose_qkeras_attributes():
    layer = QSeparableConv2DTranspose(4, 3, depthwise_kernel_quantizer=K4, pointwise_kernel_quantizer=K4,
                                      bias_quantizer=B6, depthwise_activation="quantized_bits(10,6,1)",
                                      pointwise_activation="quantized_bits(5,3,1)")
    layer.build((None, 5, 5, 3))
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [
        ("depthwise_kernel", (3, 3, 1, 3)), ("pointwise_kernel", (1, 1, 4, 3)), ("bias", (4,))]
    kernel = str(quantized_bits(4, 0, alpha=1))
    assert [str(q) for q in layer.get_quantizers()] == [
        kernel, kernel, str(quantized_bits(6, 2, alpha=1)), "quantized_bits(10,6,1)", "quantized_bits(5,3,1)"]
    assert tuple(layer.compute_output_shape((None, 5, 5, 3))) == (None, 7, 7, 4)
    assert layer.get_prunable_weights() == [layer.depthwise_kernel, layer.pointwise_kernel, layer.bias]


# -- both layers: strings, configs, training, saving ------------------------------------------------------

def transpose_layers(**names) -> list:
    return [
        QDepthwiseConv2DTranspose(2, 3, group_size=2, strides=2, padding="same", depthwise_kernel_quantizer=K4,
                                  bias_quantizer=B6, depthwise_activation="quantized_bits(8,3,alpha=1)",
                                  use_bias=False, **names.get("dw", {})),
        QSeparableConv2DTranspose(3, 2, strides=2, output_padding=1, depthwise_kernel_quantizer=K4,
                                  pointwise_kernel_quantizer=K4, bias_quantizer=B6,
                                  depthwise_activation="quantized_bits(8,3,alpha=1)",
                                  pointwise_activation="quantized_relu(6,2)", **names.get("sep", {})),
    ]


def test_quantizers_as_strings_dicts_and_objects_agree():
    obj, pw = quantized_bits(4, 0, alpha=1), quantized_relu(5, 2)
    forms = [(obj, pw), (K4, "quantized_relu(5,2)"),
             (keras.saving.serialize_keras_object(obj), keras.saving.serialize_keras_object(pw))]
    x = dyadic((2, 3, 3, 2))
    outputs, weights = [], None
    for q, act in forms:
        layer = QSeparableConv2DTranspose(2, 2, depthwise_kernel_quantizer=q, pointwise_kernel_quantizer=q,
                                          bias_quantizer=q, pointwise_activation=act)
        layer.build(x.shape)
        weights = weights or [off_grid(w.shape) for w in layer.weights]
        layer.set_weights(weights)
        outputs.append(np.asarray(layer(x)))
        assert [str(v) for v in layer.get_quantizers()] == [str(obj)] * 3 + ["None", str(pw)]
    assert all(np.array_equal(outputs[0], y) for y in outputs[1:])


@pytest.mark.parametrize("index", [0, 1])
def test_config_round_trip(index):
    layer = transpose_layers()[index]
    config = layer.get_config()
    for key in [k for k in config if k.endswith("_quantizer") or k.endswith("_activation")]:
        assert config[key]["registered_name"].startswith("hwq>"), key
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = dyadic((2, 4, 4, 4))
    layer.build(x.shape)
    clone.build(x.shape)
    clone.set_weights([off_grid(w.shape) for w in layer.weights])
    layer.set_weights(clone.get_weights())
    assert np.array_equal(np.asarray(layer(x)), np.asarray(clone(x)))


def test_gradients_reach_every_used_weight():
    x = tf.constant(dyadic((2, 4, 4, 4)))
    for layer in transpose_layers():
        layer.build(x.shape)
        for w in layer.trainable_weights:  # inside the grids, where the straight-through gradient is 1
            w.assign(np.full(w.shape, 0.25, np.float32) if "bias" in w.name else off_grid(w.shape, 0.9))
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x, training=True) ** 2)
        grads = tape.gradient(loss, layer.trainable_weights)
        assert all(g is not None and np.any(np.asarray(g) != 0) for g in grads), type(layer).__name__


def transpose_model() -> keras.Model:
    x = keras.Input((4, 4, 4), name="x")
    dw, sep = transpose_layers(dw={"name": "dwt"}, sep={"name": "sept"})
    return keras.Model(x, sep(dw(x)), name="transposes")


def test_short_training_step_changes_weights():
    keras.utils.set_random_seed(5)
    model = transpose_model()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    x, y = dyadic((16, 4, 4, 4)), dyadic((16, 17, 17, 3), limit=1.0)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def test_keras_file_round_trip(tmp_path):
    model = transpose_model()
    model.set_weights([off_grid(w.shape) for w in model.get_weights()])
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    x = dyadic((8, 4, 4, 4))
    assert np.array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    for name in ("dwt", "sept"):
        assert again.get_layer(name).get_config() == model.get_layer(name).get_config()
        assert type(again.get_layer(name)) is type(model.get_layer(name))


# -- the modules QKeras has them in ---------------------------------------------------------------------

@pytest.mark.parametrize("module, names", [
    ("qdepthwise_conv2d_transpose", ["QDepthwiseConv2DTranspose"]),
    ("qseparable_conv2d_transpose", ["QSeparableConv2DTranspose"]),
    ("qoctave", ["QOctaveConv2D", "OctaveConv2D", "GetActivationSuffix"]),
])
def test_qkeras_modules_offer_hwqs_objects(module, names):
    facade = importlib.import_module(f"hwq.qkeras.{module}")
    for name in names:
        assert getattr(facade, name) is getattr(hwq.layers, name), name
    assert set(names) == set(facade.__all__)
    if module == "qoctave":  # QKeras' package does `from .qoctave import *`
        assert all(getattr(hwq.qkeras, name) is getattr(hwq.layers, name) for name in names)


# -- octave convolutions ------------------------------------------------------------------------------

def test_activation_suffix():
    assert GetActivationSuffix(None) == GetActivationSuffix("") == "linear"
    assert GetActivationSuffix("quantized_bits(10,6,1)") == "qb10_61"
    assert GetActivationSuffix("quantized_relu(4,0)") == "qr40"
    assert GetActivationSuffix("quantized_tanh(8)") == "qt8"
    assert GetActivationSuffix("quantized_po2(4,1)") == "q2"
    assert GetActivationSuffix(quantized_relu(4, 0)) == GetActivationSuffix(str(quantized_relu(4, 0)))


ACC = "quantized_bits(10,4,alpha=1)"  # sums of 2^-7 products onto 2^-5, within [-16, 16)
OCT = {"kernel_quantizer": K4, "bias_quantizer": B6, "depthwise_quantizer": K4,
       "pointwise_quantizer": "quantized_bits(3,0,alpha=1)", "depthwise_activation": "quantized_bits(8,3,alpha=1)",
       "acc_quantizer": ACC, "pooling_quantizer": K4, "activation": "quantized_relu(8,3)"}


def octave_model(use_separable: bool, alpha: float = 0.5, low: tuple[int, int] = (4, 4), **options):
    x_h, x_l = keras.Input((8, 8, 3), name="x_h"), keras.Input((*low, 2), name="x_l")
    block = QOctaveConv2D(4, 3, alpha, padding="same", use_separable=use_separable, name="oct", **options)
    y_h, y_l = block([x_h, x_l])
    model = keras.Model([x_h, x_l], [y for y in (y_h, y_l) if y is not None])
    model.set_weights([off_grid(w.shape) for w in model.get_weights()])
    return model


def octave_conv_ref(model, x, path: str, use_separable: bool, pointwise_bits: int):
    """One path's quantized convolution (QConv2D, or the MobileNet block) and its accumulator quantizer."""
    if use_separable:
        dw = ref.quantized_bits_fixed(model.get_layer(f"oct_c_{path}_dw").get_weights()[0], 4, 0)
        kernel, bias = model.get_layer(f"oct_c_{path}_pw").get_weights()
        mid = ref.quantized_bits_fixed(ref.depthwise_conv(x, dw, padding="same"), 8, 3)
        y = ref.conv(mid, ref.quantized_bits_fixed(kernel, pointwise_bits, 0))
    else:
        kernel, bias = model.get_layer(f"oct_c_{path}").get_weights()
        size = kernel.shape[0]
        y = ref.conv(x, ref.quantized_bits_fixed(kernel, 4, 0), padding="same" if size > 1 else "valid")
    return ref.quantized_bits_fixed(y + ref.quantized_bits_fixed(bias, 6, 2), 10, 4)


@pytest.mark.parametrize("use_separable", [False, True])
def test_qoctave_forward(use_separable):
    model = octave_model(use_separable, **OCT)
    x_h, x_l = dyadic((2, 8, 8, 3)), dyadic((2, 4, 4, 2))
    y_h, y_l = (np.asarray(y) for y in model([x_h, x_l]))
    sums, _ = ref.average_pool2d_sum(x_h, (2, 2), (2, 2))
    pooled = sums * 0.25  # the window sum times average_quantizer(1/4), exactly 0.25 on K4's grid
    # QKeras quantizes every separable pointwise kernel with pointwise_quantizer (its low-to-low block with the
    # depthwise one: a slip hwq does not copy), so a 3-bit pointwise grid shows in all four paths
    conv = {path: octave_conv_ref(model, x, path, use_separable, 3)
            for path, x in (("h_to_h", x_h), ("h_to_l", pooled), ("l_to_h", x_l), ("l_to_l", x_l))}
    up = np.repeat(np.repeat(conv["l_to_h"], 2, axis=1), 2, axis=2)
    assert np.array_equal(y_h, ref.quantized_relu_fixed(conv["h_to_h"] + up, 8, 3))
    assert np.array_equal(y_l, ref.quantized_relu_fixed(conv["l_to_l"] + conv["h_to_l"], 8, 3))


def test_qoctave_layer_names_and_kinds():
    model = octave_model(False, **OCT)
    names = {layer.name: type(layer).__name__ for layer in model.layers}
    assert names["oct_c_h_to_h"] == names["oct_c_l_to_l"] == "QConv2D"
    assert names["oct_avg_h_to_l"] == "QAveragePooling2D"
    assert str(model.get_layer("oct_avg_h_to_l").average_quantizer_internal) == str(quantized_bits(4, 0, alpha=1))
    assert names["oct_c_h_to_l_act_qb10_41"] == names["oct_h_act_qr83"] == "QActivation"
    assert names["oct_u_l_to_h"] == "UpSampling2D" and names["oct_a_h"] == names["oct_a_l"] == "Add"
    sep = octave_model(True, **OCT)
    assert {"oct_c_l_to_l_dw", "oct_c_l_to_l_dw_act", "oct_c_l_to_l_pw"} <= {layer.name for layer in sep.layers}


def test_qoctave_single_and_one_pixel_forms():
    x = keras.Input((6, 6, 2))
    y, none = QOctaveConv2D(3, 3, -1.0, use_separable=False, name="one", kernel_quantizer=K4,
                            activation="quantized_relu(4,2)")([x, None])
    assert none is None and [type(layer).__name__ for layer in keras.Model(x, y).layers[1:]] == [
        "QConv2D", "QActivation"]
    model = octave_model(False, alpha=0.5, low=(1, 1), kernel_quantizer=K4, bias_quantizer=B6)
    assert model.get_layer("oct_c_l_to_h").kernel_size == (1, 1) and "oct_u_l_to_h" not in {
        layer.name for layer in model.layers}


def test_qoctave_without_name_builds_two_blocks_in_one_model():
    x_h, x_l = keras.Input((8, 8, 2)), keras.Input((4, 4, 2))
    y = QOctaveConv2D(4, 3, 0.5, padding="same", kernel_quantizer=K4, bias_quantizer=B6)([x_h, x_l])
    y = QOctaveConv2D(4, 3, 0.5, padding="same", kernel_quantizer=K4, bias_quantizer=B6)(y)
    assert len({layer.name for layer in keras.Model([x_h, x_l], y).layers}) > 10


def test_qoctave_warns_about_arguments_it_ignores():
    with pytest.warns(UserWarning, match="ignores dilation_rate"):
        QOctaveConv2D(4, 3, 0.5, dilation_rate=2)


def test_qoctave_quantizers_as_strings_or_objects_agree():
    strings = octave_model(True, **OCT)
    objects = octave_model(True, **{k: hwq.quantizers.get_quantizer(v) for k, v in OCT.items()})
    objects.set_weights(strings.get_weights())
    x = [dyadic((2, 8, 8, 3)), dyadic((2, 4, 4, 2))]
    assert all(np.array_equal(a, b) for a, b in zip(strings.predict(x, verbose=0), objects.predict(x, verbose=0),
                                                    strict=True))


def test_qoctave_trains_and_round_trips_a_keras_file(tmp_path):
    keras.utils.set_random_seed(7)
    model = octave_model(True, **{**OCT, "activation": None, "acc_quantizer": None})
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    x = [dyadic((16, 8, 8, 3)), dyadic((16, 4, 4, 2))]
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, [dyadic((16, 8, 8, 2), limit=1.0), dyadic((16, 4, 4, 2), limit=1.0)], epochs=2, batch_size=8,
              verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    model.save(tmp_path / "octave.keras")
    again = keras.saving.load_model(tmp_path / "octave.keras")
    assert all(np.array_equal(a, b) for a, b in zip(again.predict(x, verbose=0), model.predict(x, verbose=0),
                                                    strict=True))


@pytest.mark.parametrize("use_separable", [False, True])
def test_float_octave_forward(use_separable):
    """OctaveConv2D of Keras layers; weights on a 2^-3 grid keep float32 exact, so equality holds here too."""
    x_h, x_l = keras.Input((8, 8, 3)), keras.Input((4, 4, 2))
    y_h, y_l = OctaveConv2D(4, 3, 0.5, padding="same", activation="relu", use_separable=use_separable,
                            name="f")([x_h, x_l])
    model = keras.Model([x_h, x_l], [y_h, y_l])
    model.set_weights([ref.quantized_bits_fixed(off_grid(w.shape), 4, 0) for w in model.get_weights()])
    xs = [dyadic((2, 8, 8, 3)), dyadic((2, 4, 4, 2))]

    def conv(x, path):
        weights = model.get_layer(f"f_c_{path}").get_weights()
        if use_separable:
            return ref.separable_conv(x, weights[0], weights[1], padding="same") + weights[2]
        return ref.conv(x, weights[0], padding="same") + weights[1]

    sums, _ = ref.average_pool2d_sum(xs[0], (2, 2), (2, 2))
    up = np.repeat(np.repeat(conv(xs[1], "l_to_h"), 2, axis=1), 2, axis=2)
    got_h, got_l = (np.asarray(y) for y in model(xs))
    assert np.array_equal(got_h, np.maximum(conv(xs[0], "h_to_h") + up, 0))
    assert np.array_equal(got_l, np.maximum(conv(xs[1], "l_to_l") + conv(sums / 4, "h_to_l"), 0))
    if use_separable:  # as in QKeras, the low-to-low kernels keep Keras' defaults (it passes them kernel_* only)
        assert type(model.get_layer("f_c_l_to_l").depthwise_initializer).__name__ == "GlorotUniform"
        assert type(model.get_layer("f_c_h_to_h").depthwise_initializer).__name__ == "HeNormal"


# -- into hardware ---------------------------------------------------------------------------------------

IN_TYPE = "ap_fixed<8,3>"


def quantized_inputs(shapes, n: int = 200) -> list[np.ndarray]:
    t = parse_type(IN_TYPE)
    rng = np.random.default_rng(11)
    return [to_float(quantize(rng.uniform(-5, 5, (n, *shape)), t), t) for shape in shapes]


def one_layer_model(layer, shape) -> keras.Model:
    x = keras.Input(shape, name="x")
    model = keras.Model(x, layer(x), name="m")
    model.set_weights([off_grid(w.shape, 0.9) for w in model.get_weights()])
    return model


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("layer", [
    lambda df: QDepthwiseConv2DTranspose(2, (3, 2), strides=2, padding="same", depthwise_kernel_quantizer=K4,
                                         data_format=df),
    lambda df: QDepthwiseConv2DTranspose(2, 3, group_size=2, padding="valid", dilation_rate=2,
                                         depthwise_kernel_quantizer=K4, depthwise_activation="quantized_bits(6,3)",
                                         data_format=df),
    lambda df: QDepthwiseConv2DTranspose(2, 3, group_size=4, strides=2, output_padding=1,
                                         depthwise_kernel_quantizer=K4, data_format=df),
    lambda df: QSeparableConv2DTranspose(3, (2, 3), strides=(2, 1), padding="same", depthwise_kernel_quantizer=K4,
                                         pointwise_kernel_quantizer=K4, bias_quantizer=B6,
                                         depthwise_activation="quantized_bits(8,4)",
                                         pointwise_activation="quantized_relu(6,3)", data_format=df),
    lambda df: QSeparableConv2DTranspose(3, 3, strides=3, padding="valid", output_padding=(2, 1),
                                         depthwise_kernel_quantizer=K4, pointwise_kernel_quantizer=K4,
                                         bias_quantizer=B6, data_format=df),
], ids=["depthwise", "grouped_dilated", "one_group", "separable_activations", "separable"])
def test_lowered_transposes_simulate_as_keras_predicts(layer, data_format):
    shape = (4, 5, 4) if data_format == "channels_last" else (4, 4, 5)
    model = one_layer_model(layer(data_format), shape)
    graph = hwq.lower(model, input_type=IN_TYPE)
    (x,) = quantized_inputs([shape])
    np.testing.assert_array_equal(graph.simulate(x), model.predict(x, verbose=0), err_msg=graph.summary())
    assert graph.meta["notes"]["keras_float32_exact"]


@pytest.mark.parametrize("use_separable", [False, True])
def test_lowered_qoctave_simulates_as_keras_predicts(use_separable):
    model = octave_model(use_separable, **OCT)
    graph = hwq.lower(model, input_type=IN_TYPE)
    xs = quantized_inputs([(8, 8, 3), (4, 4, 2)])
    for got, want in zip(graph.simulate(xs), model.predict(xs, verbose=0), strict=True):
        np.testing.assert_array_equal(got, want)


def test_vitis_c_simulation_equals_simulate(tmp_path):
    x = keras.Input((3, 4, 4), name="x")
    y = QActivation("quantized_bits(8,3,alpha=1)", name="in_q")(x)
    for layer in transpose_layers(dw={"name": "dwt"}, sep={"name": "sept"}):
        y = layer(y)
    model = keras.Model(x, y, name="transposes")
    model.set_weights([off_grid(w.shape, 0.9) for w in model.get_weights()])
    graph = hwq.lower(model)
    (xs,) = quantized_inputs([(3, 4, 4)], n=100)
    expected = graph.simulate(xs)
    np.testing.assert_array_equal(expected, model.predict(xs, verbose=0))
    np.testing.assert_array_equal(hwq.emit(graph, tmp_path / "v", backend="vitis").compile().predict(xs), expected)
