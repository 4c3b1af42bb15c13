"""bn_folding_utils.populate_bias_quantizer_from_accumulator and qtools_util's auto_po2 helpers on hwq.

Expected types are worked out by hand here from QKeras' qtools rules: a fixed-point product has the integer bits
and the fraction bits of both operands (plus a sign bit); a sum of n products ceil(log2 n) more integer bits;
QKeras counts prod(kernel.shape[:-1]) products per output, and adds the bias as one more when the layer has a bias
quantizer.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

from hwq.layers import QActivation, QConv2D, QConv2DBatchnorm, QDense, QDenseBatchnorm, QDepthwiseConv2DBatchnorm
from hwq.qkeras.bn_folding_utils import populate_bias_quantizer_from_accumulator
from hwq.qkeras.qtools import qtools_util
from hwq.qtools.operators import MultiplierFactory
from hwq.qtools.qtypes import fixed, qtype_of
from hwq.quantizers import quantized_bits, quantized_relu, ternary


def _model(*layers) -> keras.Model:
    x = x_in = keras.Input((8, 8, 2), name="inp")
    for layer in layers:
        x = layer(x)
    return keras.Model(x_in, x)


def _randomized(model: keras.Model) -> keras.Model:
    rng = np.random.default_rng(0)
    for w in model.weights:
        if "iteration" in w.path:
            continue
        positive = "variance" in w.path or "gamma" in w.path
        w.assign((rng.uniform(0.5, 1.5, w.shape) if positive else rng.normal(0, 0.5, w.shape)).astype(np.float32))
    return model


def _conv(name="cbn", **kw):
    return QConv2DBatchnorm(4, 3, kernel_quantizer=quantized_bits(4, 0, alpha=1), name=name, **kw)


def _depthwise(name="dbn", **kw):
    return QDepthwiseConv2DBatchnorm(3, depthwise_quantizer=quantized_bits(6, 2, alpha=1), name=name, **kw)


def _bits(q) -> tuple:
    return q.bits, q.integer, bool(q.keep_negative), bool(q.symmetric), q.alpha


def test_bias_quantizers_follow_the_accumulators_through_an_activation() -> None:
    model = _model(_conv(), QActivation(quantized_relu(4, 2), name="relu"), _depthwise(),
                   keras.layers.Flatten(), QDenseBatchnorm(3, kernel_quantizer=quantized_bits(4, 0, alpha=1),
                                                           name="fbn"))
    assert populate_bias_quantizer_from_accumulator(model, None) is model
    # input quantized_bits(8,0,1): int 0, frac 7. Kernel 4 bits int 0: frac 3. Product int 0, frac 10, 11 bits;
    # 3·3·2 = 18 products: 5 more integer bits -> 16 bits, 5 integer
    conv = model.get_layer("cbn")
    assert _bits(conv.bias_quantizer) == (16, 5, True, True, None)
    assert conv.bias_quantizer_internal is conv.bias_quantizer and conv.get_quantizers()[1] is conv.bias_quantizer
    # quantized_relu(4,2): unsigned, int 2, frac 2; kernel 6 bits int 2: frac 3. Product int 4, frac 5, 10 bits;
    # QKeras counts 3·3·4 = 36 products of a (3,3,4,1) depthwise kernel (not 9): 6 more -> 16 bits, 10 integer
    dw = model.get_layer("dbn")
    assert _bits(dw.bias_quantizer) == (16, 10, True, True, None)
    assert dw.get_quantizers() == [dw.depthwise_quantizer_internal, dw.bias_quantizer]
    assert model.get_layer("fbn").bias_quantizer is None  # QKeras leaves QDenseBatchnorm alone


def test_a_folded_layer_hands_its_widened_accumulator_to_the_next() -> None:
    model = _model(_conv(), _depthwise())
    populate_bias_quantizer_from_accumulator(model, quantized_bits(8, 0, 1))
    # cbn's accumulator (16 bits, 5 integer) plus one bit, as QKeras widens it: 17 bits, int 6, frac 10.
    # times the 6-bit int-2 kernel: int 8, frac 13, 22 bits; 3·3·4 = 36 products: 28 bits, 14 integer
    assert _bits(model.get_layer("dbn").bias_quantizer) == (28, 14, True, True, None)


def test_a_given_bias_quantizer_is_kept_and_counts_as_one_more_addend() -> None:
    model = _model(_conv(bias_quantizer=quantized_bits(8, 3, alpha=1)), _depthwise())
    populate_bias_quantizer_from_accumulator(model, None)
    assert str(model.get_layer("cbn").bias_quantizer) == str(quantized_bits(8, 3, alpha=1))
    # cbn: 18 products and the bias, 19 addends: still 5 more integer bits, 16 bits, int 5 (no widening)
    # dbn: 16 bits int 5 frac 10, times int 2 frac 3: int 7, frac 13, 21 bits; 36 products: 27 bits, 13 integer
    assert _bits(model.get_layer("dbn").bias_quantizer) == (27, 13, True, True, None)


def test_the_populated_quantizer_quantizes_the_folded_bias() -> None:
    model = _randomized(_model(_conv()))
    populate_bias_quantizer_from_accumulator(model, None)
    layer = model.get_layer("cbn")
    folded_bias = np.asarray(layer.get_folded_weights()[1], dtype=np.float64)
    # quantized_bits(16, 5, symmetric=1): steps of 2^-10, clipped to ±(2^15 − 1)·2^-10
    expected = np.clip(np.round(folded_bias * 1024), -(2 ** 15 - 1), 2 ** 15 - 1) / 1024
    np.testing.assert_array_equal(np.asarray(layer.get_quantized_folded_weights()[1]), expected)
    x = np.random.default_rng(1).normal(size=(2, 8, 8, 2)).astype(np.float32)
    kernel = np.asarray(layer.get_quantized_folded_weights()[0])
    conv = keras.ops.convert_to_numpy(keras.ops.conv(x, kernel, padding="valid"))
    # float inputs through two float32 convolutions (the layer's and this one) that may sum in different orders
    np.testing.assert_allclose(model.predict(x, verbose=0), conv + expected.astype(np.float32), rtol=0, atol=1e-6)


def test_float_inputs_leave_the_bias_float() -> None:
    model = _model(_conv())
    populate_bias_quantizer_from_accumulator(model, "fp32")
    assert model.get_layer("cbn").bias_quantizer is None


def test_a_folded_output_reaching_a_folded_layer_through_a_plain_mac_is_refused() -> None:
    model = _model(_conv(), QConv2D(2, 1, kernel_quantizer=quantized_bits(4, 0, alpha=1), name="mid"), _depthwise())
    with pytest.raises(ValueError, match=r"layer 'dbn'.*layer 'mid'.*folded layer 'cbn'"):
        populate_bias_quantizer_from_accumulator(model, None)


# -- auto_po2 ----------------------------------------------------------------------------------------------------

def _auto_po2_quantizer():
    """QKeras' published auto_po2 example: scales 1/8, 1, 1/16, 1/2 per channel, so shifts from -4 to 0."""
    q = quantized_bits(4, 2, alpha="auto_po2")
    q(np.array([[0.23, 2.76, 0.1, 0.33], [0.53, 0.16, 0.3, 1.43]], np.float32))
    return q


def _multiplier(q):
    return MultiplierFactory().make_multiplier(qtype_of(q), qtype_of(quantized_bits(8, 0, 1)))


def test_scale_of_an_auto_po2_quantizer() -> None:
    q = quantized_bits(4, 2, alpha="auto_po2")
    assert qtools_util.get_scale_from_quantized_bits_with_auto_po2(q) is None  # never called
    np.testing.assert_array_equal(qtools_util.get_scale_from_quantized_bits_with_auto_po2(_auto_po2_quantizer()),
                                  [[0.125, 1, 0.0625, 0.5]])


def test_multiplier_widens_by_the_range_of_the_channel_shifts() -> None:
    q = _auto_po2_quantizer()
    multiplier = _multiplier(q)
    # weight int 2 frac 1, input int 0 frac 7: product 11 bits, int 2; shifts 0 (max) and -4 (min)
    assert (multiplier.output.bits, multiplier.output.int_bits) == (11, 2)
    adjusted = qtools_util.adjust_multiplier_for_auto_po2(multiplier, q)
    assert adjusted.output == fixed(15, 2, True)  # 4 more fraction bits, no more integer bits
    assert multiplier.output.bits == 11  # hwq's types are immutable: the original is unchanged
    assert adjusted.kind == multiplier.kind and adjusted.gate_bits == multiplier.gate_bits


def test_a_qkeras_multiplier_object_is_widened_in_place() -> None:
    from hwq.qkeras.qtools.quantized_operators import multiplier_factory, quantizer_factory

    q = _auto_po2_quantizer()
    factory = quantizer_factory.QuantizerFactory()
    multiplier = multiplier_factory.MultiplierFactory().make_multiplier(factory.make_quantizer(q),
                                                                        factory.make_quantizer(quantized_bits(8, 0, 1)))
    assert (multiplier.output.bits, multiplier.output.int_bits) == (11, 2)
    assert qtools_util.adjust_multiplier_for_auto_po2(multiplier, q) is multiplier  # QKeras changes it in place
    assert (multiplier.output.bits, multiplier.output.int_bits) == (15, 2)
    layer = QDense(4, kernel_quantizer=q, name="fc")
    layer.build((None, 2))
    fresh = multiplier_factory.MultiplierFactory().make_multiplier(factory.make_quantizer(q),
                                                                   factory.make_quantizer(quantized_bits(8, 0, 1)))
    assert qtools_util.adjust_accumulator_for_auto_po2(layer, fresh, q, quantized_bits(8, 3, 1)).output == \
        fixed(17, 4, True)


def test_multiplier_is_kept_when_there_is_nothing_to_adjust() -> None:
    fixed_alpha = quantized_bits(4, 2, alpha=1)
    multiplier = _multiplier(fixed_alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert qtools_util.adjust_multiplier_for_auto_po2(multiplier, fixed_alpha) is multiplier
    never_called = quantized_bits(4, 2, alpha="auto_po2")
    with pytest.warns(UserWarning, match="never called"):
        assert qtools_util.adjust_multiplier_for_auto_po2(multiplier, never_called) is multiplier
    with pytest.warns(UserWarning, match="only widens multipliers for quantized_bits"):
        assert qtools_util.adjust_multiplier_for_auto_po2(multiplier, ternary(alpha="auto_po2")) is multiplier


def test_accumulator_of_a_dense_layer_with_bias() -> None:
    q = _auto_po2_quantizer()
    layer = QDense(4, kernel_quantizer=q, name="fc")
    layer.build((None, 2))
    accumulator = qtools_util.adjust_accumulator_for_auto_po2(layer, _multiplier(q), q, quantized_bits(8, 3, 1))
    # products 15 bits int 2 (frac 12), 2 of them: int 3, 16 bits; plus the bias (int 3, frac 4): one more
    # integer bit than the wider operand, the finer fraction: int 4, frac 12, 17 bits
    assert accumulator.output == fixed(17, 4, True)


def test_accumulator_of_a_depthwise_layer_needs_depth_multiplier_one() -> None:
    q = _auto_po2_quantizer()
    layer = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False, name="dw")
    layer.build((None, 8, 8, 2))
    with pytest.raises(ValueError, match=r"layer 'dw': depth_multiplier must be 1"):
        qtools_util.adjust_accumulator_for_auto_po2(layer, _multiplier(q), q, None)
    single = keras.layers.DepthwiseConv2D(3, use_bias=False, name="dw1")
    single.build((None, 8, 8, 2))
    # 3·3 products per output (the channels are not summed): 4 more integer bits
    assert qtools_util.adjust_accumulator_for_auto_po2(single, _multiplier(q), q, None).output == fixed(19, 6, True)
