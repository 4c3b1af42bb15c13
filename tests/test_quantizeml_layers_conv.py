"""hwq.quantizeml.layers convolutions against naive Python-integer convolutions (loops over output pixels)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_quantizeml_layers import check_round_trip, ints, model_of
from test_quantizeml_layers_reference import aligned, as_object, output_quantize, weights

from hwq.quantizeml.layers import (
    DepthwiseConv2DTranspose,
    PaddedConv2D,
    QuantizedConv2D,
    QuantizedConv2DTranspose,
    QuantizedDepthwiseConv2D,
    QuantizedDepthwiseConv2DTranspose,
    QuantizedSeparableConv2D,
)
from hwq.quantizeml.layers.integer_ops import same_padding
from hwq.quantizeml.tensors import FixedPoint

RNG = np.random.default_rng(11)


def padded(x, k, stride, padding, value=0):
    """x (N, H, W, C) as Python ints, padded as TensorFlow pads 'same' (the extra pixel after)."""
    if padding == "valid":
        return x
    (t, b), (left, r) = same_padding(x.shape[1], k[0], stride[0]), same_padding(x.shape[2], k[1], stride[1])
    out = np.empty((x.shape[0], x.shape[1] + t + b, x.shape[2] + left + r, x.shape[3]), dtype=object)
    out[...] = np.broadcast_to(np.asarray(value, dtype=object), (x.shape[3],))
    out[:, t:t + x.shape[1], left:left + x.shape[2]] = x
    return out


def naive_conv(x, w, stride, padding, value=0):
    """Cross-correlation of x (N, H, W, C) with w (KH, KW, C, F), one output pixel at a time."""
    x = padded(x, w.shape[:2], stride, padding, value)
    kh, kw = w.shape[:2]
    oh, ow = (x.shape[1] - kh) // stride[0] + 1, (x.shape[2] - kw) // stride[1] + 1
    out = np.zeros((x.shape[0], oh, ow, w.shape[3]), dtype=object)
    for n, i, j in np.ndindex(x.shape[0], oh, ow):
        window = x[n, i * stride[0]:i * stride[0] + kh, j * stride[1]:j * stride[1] + kw]
        out[n, i, j] = np.tensordot(window, w, axes=3)
    return out


def naive_depthwise(x, w, stride, padding):
    """x (N, H, W, C) with w (KH, KW, C): channel c filtered by w[..., c]."""
    return np.concatenate([naive_conv(x[..., c:c + 1], w[:, :, c:c + 1, None], stride, padding)
                           for c in range(x.shape[-1])], axis=-1)


def naive_transpose(x, w, stride, out_hw, padding):
    """x (N, H, W, C) scattered through w (KH, KW, C, F) (integer layout), cropped as TensorFlow crops."""
    kh, kw = w.shape[:2]
    full = np.zeros((x.shape[0], (x.shape[1] - 1) * stride[0] + max(kh, stride[0]),
                     (x.shape[2] - 1) * stride[1] + max(kw, stride[1]), w.shape[3]), dtype=object)
    for n, i, j in np.ndindex(x.shape[:3]):
        full[n, i * stride[0]:i * stride[0] + kh, j * stride[1]:j * stride[1] + kw] += np.tensordot(
            x[n, i, j], w, axes=([0], [2]))
    top = max((x.shape[1] - 1) * stride[0] + kh - out_hw[0], 0) // 2 if padding == "same" else 0
    left = max((x.shape[2] - 1) * stride[1] + kw - out_hw[1], 0) // 2 if padding == "same" else 0
    return full[:, top:top + out_hw[0], left:left + out_hw[1]]


def dequantized(expected, frac):
    return np.ldexp(expected.astype(np.float64), -frac)


@pytest.mark.parametrize("strides, padding", [((1, 1), "valid"), ((2, 2), "same"), ((1, 2), "same")])
def test_quantized_conv2d_matches_the_naive_convolution(strides, padding, tmp_path):
    layer = QuantizedConv2D(3, (3, 2), strides=strides, padding=padding, quant_config={
        "output_quantizer": {"bitwidth": 8, "axis": "per-axis"}})
    model = model_of(layer, (5, 6, 2), frac_bits=1)
    layer.bias.assign(RNG.normal(size=3).astype(np.float32))
    layer.out_quantizer.range_max.assign([30.0, 5.0, 80.0])
    x = ints((2, 5, 6, 2))
    w, scales = weights(layer.kernel.numpy())
    acc = naive_conv(as_object(x), w, strides, padding) + np.array(aligned(layer.bias.numpy(), scales, 1),
                                                                    dtype=object)
    expected, frac = output_quantize(acc, 1, scales, [30.0, 5.0, 80.0])
    assert np.array_equal(check_round_trip(model, x, tmp_path), dequantized(expected, frac))


def test_quantized_conv2d_pads_with_quantized_padding_values(tmp_path):
    layer = QuantizedConv2D(2, 3, padding_value=[1.5, -2.25], use_bias=False)
    model = model_of(layer, (4, 4, 2), frac_bits=2)
    x = ints((1, 4, 4, 2))
    w, scales = weights(layer.kernel.numpy())
    pad = aligned([1.5, -2.25], 1.0, 2)  # a FixedPoint input: the grid is 2 fractional bits, scale 1
    assert pad == [6, -9]
    acc = naive_conv(as_object(x), w, (1, 1), "same", pad)
    out = check_round_trip(model, x, tmp_path)
    assert np.array_equal(out, (acc.astype(np.float64) / 4) * scales)  # QFloat output: float product on purpose
    assert layer.get_config()["padding"] == "same"


def test_conv2d_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="QuantizedConv2D.*padding_value"):
        QuantizedConv2D(2, 3, padding_value=[1.0, 2.0, 3.0]).build((None, 4, 4, 2))
    with pytest.raises(ValueError, match="QuantizedConv2D.*groups"):
        QuantizedConv2D(2, 3, groups=2)
    with pytest.raises(ValueError, match="PaddedConv2D.*finite"):
        PaddedConv2D(2, 3, padding_value=float("nan"))


def test_padded_conv2d_is_a_float_conv_with_custom_padding(tmp_path):
    layer = PaddedConv2D(2, 3, padding_value=[0.5, -1.0], use_bias=False)
    inp = keras.Input((4, 4, 2))
    model = keras.Model(inp, layer(inp))
    x = RNG.normal(size=(1, 4, 4, 2)).astype(np.float32)
    expected = naive_conv(x.astype(np.float64).astype(object), layer.kernel.numpy().astype(np.float64),
                          (1, 1), "same", [0.5, -1.0]).astype(np.float64)
    out = check_round_trip(model, x, tmp_path)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)  # float32 convolution vs float64 sums


def test_quantized_depthwise_keeps_per_axis_inputs_and_multiplies_depth():
    layer = QuantizedDepthwiseConv2D(3, depth_multiplier=2, padding="same")
    x = FixedPoint(RNG.integers(-60, 60, size=(1, 4, 4, 2)), 7, [1, 3])
    out = layer(x)
    kernel = layer.kernel.numpy().reshape(3, 3, 4)
    w, scales = weights(kernel)
    repeated = np.repeat(as_object(x.values.numpy()), 2, axis=-1)
    acc = naive_depthwise(repeated, w, (1, 1), "same") + np.array(aligned(layer.bias.numpy(), scales, 0), object)
    assert np.array_equal(out.fp.values.numpy(), acc.astype(np.int64))
    assert out.fp.frac_bits.numpy().tolist() == [1, 1, 3, 3]


def test_quantized_depthwise_round_trips(tmp_path):
    layer = QuantizedDepthwiseConv2D(2, strides=2, quant_config={"output_quantizer": {"bitwidth": 6}})
    model = model_of(layer, (4, 4, 3), frac_bits=0)
    layer.out_quantizer.range_max.assign(7.0)
    x = ints((1, 4, 4, 3))
    w, scales = weights(layer.kernel.numpy().reshape(2, 2, 3))
    acc = naive_depthwise(as_object(x), w, (2, 2), "valid")
    expected, frac = output_quantize(acc, 0, scales, 7.0, bits=6)
    assert np.array_equal(check_round_trip(model, x, tmp_path), dequantized(expected, frac))


def test_quantized_separable_has_one_depthwise_scale(tmp_path):
    layer = QuantizedSeparableConv2D(3, 3, padding="same", use_bias=False, quant_config={
        "output_quantizer": {"bitwidth": 8}})
    model = model_of(layer, (4, 4, 2), frac_bits=1)
    layer.out_quantizer.range_max.assign(50.0)
    x = ints((1, 4, 4, 2))
    dw = layer.depthwise_kernel.numpy().reshape(3, 3, 2).astype(np.float64)
    dw_scale = np.abs(dw).max() / 127  # per-tensor
    dw_int = np.round(dw / dw_scale).astype(np.int64).astype(object)
    pw, pw_scales = weights(layer.pointwise_kernel.numpy())
    middle = naive_depthwise(as_object(x), dw_int, (1, 1), "same")
    acc = naive_conv(middle, pw, (1, 1), "valid")
    expected, frac = output_quantize(acc, 1, dw_scale * pw_scales, 50.0)
    assert np.array_equal(check_round_trip(model, x, tmp_path), dequantized(expected, frac))


@pytest.mark.parametrize("strides, padding", [((2, 2), "same"), ((1, 1), "valid"), ((3, 3), "valid")])
def test_quantized_conv2d_transpose_matches_the_naive_scatter(strides, padding, tmp_path):
    layer = QuantizedConv2DTranspose(2, 2, strides=strides, padding=padding, use_bias=False)
    model = model_of(layer, (3, 3, 2), frac_bits=0)
    x = ints((1, 3, 3, 2))
    w, scales = weights(np.transpose(layer.kernel.numpy(), (0, 1, 3, 2)))
    out_hw = layer.compute_output_shape((1, 3, 3, 2))[1:3]
    acc = naive_transpose(as_object(x), w, strides, out_hw, padding)
    out = check_round_trip(model, x, tmp_path)
    assert np.array_equal(out, acc.astype(np.float64) * scales)  # QFloat output: float product on purpose
    float_out = tf.nn.conv2d_transpose(x, layer.kernel, (1, *out_hw, 2), (1, *strides, 1), padding.upper())
    assert float_out.shape == out.shape  # same geometry as TensorFlow


def test_depthwise_conv2d_transpose_float_and_quantized(tmp_path):
    float_layer = DepthwiseConv2DTranspose(3, strides=2, padding="same", use_bias=False)
    x = ints((1, 3, 3, 2), -5, 5)
    y = float_layer(tf.constant(x))
    kernel = float_layer.kernel.numpy()[:, :, :, 0].astype(np.float64)
    expected = np.concatenate([naive_transpose(x[..., c:c + 1].astype(object), kernel[:, :, c:c + 1, None],
                                               (2, 2), (6, 6), "same") for c in range(2)], -1).astype(np.float64)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-5)  # float32 transposed convolution
    layer = QuantizedDepthwiseConv2DTranspose(3, strides=2, padding="same", use_bias=False)
    model = model_of(layer, (3, 3, 2))
    w, scales = weights(layer.kernel.numpy()[:, :, :, 0])
    acc = np.concatenate([naive_transpose(as_object(x[..., c:c + 1]), w[:, :, c:c + 1, None], (2, 2), (6, 6),
                                          "same") for c in range(2)], -1)
    assert np.array_equal(check_round_trip(model, x, tmp_path), acc.astype(np.float64) * scales)
    with pytest.raises(ValueError, match="DepthwiseConv2DTranspose.*depth_multiplier"):
        DepthwiseConv2DTranspose(3, depth_multiplier=2)
