"""Curves: the sigmoid/tanh functions, quantized_tanh/sigmoid/ulaw/hswish, quantized_relu's curve settings,
and quantized_bits' kinds."""

from __future__ import annotations

import numpy as np
import pytest
from support.quantizers import run

from hwq.fixed import (
    BinaryType,
    FixedType,
    LookupTable,
    Overflow,
    Po2Scale,
    Po2ScaledType,
    Rounding,
    fitting_fixed_type,
    on_grid,
)
from hwq.quantizers import (
    UnsupportedQuantizerError,
    binary_sigmoid,
    binary_tanh,
    get_quantizer,
    hard_sigmoid,
    hard_tanh,
    quantized_bits,
    quantized_hswish,
    quantized_relu,
    quantized_sigmoid,
    quantized_tanh,
    quantized_ulaw,
    set_internal_sigmoid,
    smooth_sigmoid,
    smooth_tanh,
)

FUNCTIONS = [
    (hard_sigmoid, [-3, -1, 0, 0.5, 2], [0, 0, 0.5, 0.75, 1]),
    (smooth_sigmoid, [-3, 1, 2, 3], [0, 0.6875, 0.875, 1]),
    (binary_sigmoid, [-1, 0, 0.1], [0, 0, 1]),  # hard_sigmoid(0) = 1/2 rounds to even: 0
    (binary_tanh, [-1, 0, 0.1], [-1, -1, 1]),
    (hard_tanh, [-2, 0.5, 3], [-1, 0.5, 1]),
    (smooth_tanh, [1, -8, 0], [0.375, -1, 0]),
]


@pytest.mark.parametrize(("fn", "x", "expected"), FUNCTIONS, ids=[f[0].__name__ for f in FUNCTIONS])
def test_functions(fn, x, expected):
    np.testing.assert_array_equal(run(fn, x), np.float32(expected))
    assert get_quantizer(fn.__name__) is fn  # before Keras' own hard_sigmoid
    assert isinstance(fn.hw_kind(), LookupTable)


def test_function_kinds():
    assert binary_tanh.hw_kind().output == FixedType(2, 2, True)
    assert binary_sigmoid.hw_kind().output == FixedType(1, 1, False)
    assert hard_sigmoid.hw_kind().output is None  # its output grid follows the input's


HAND = [
    # tanh through the hard sigmoid is clip(x, -1, 1), rounded to eighths (ties to even), top 7/8
    (quantized_tanh(4), [0.0625, 0.1875, -0.1875, 0.95, -2.0, 0.3], [0, 0.25, -0.25, 0.875, -1, 0.25]),
    (quantized_tanh(4, symmetric=True), [-2.0], [-0.875]),
    # tanh(0.3) = 0.291 -> 2.33/8, tanh(1) = 0.762 -> 6.09/8
    (quantized_tanh(4, use_real_tanh=True), [0.3, 1.0, 5.0], [0.25, 0.75, 0.875]),
    # sigmoid onto sixteenths: hard sigmoid 0.53125 -> 8.5 -> 8 (even), 0.59375 -> 9.5 -> 10
    (quantized_sigmoid(4), [0.0, 0.0625, 0.1875, 3.0, -3.0], [0.5, 0.5, 0.625, 0.9375, 0]),
    (quantized_sigmoid(4, symmetric=True), [-3.0], [0.0625]),
    (quantized_sigmoid(4, use_real_sigmoid=True), [0.0, 2.0], [0.5, 0.875]),  # sigmoid(2)·16 = 14.09
    # relu through the sigmoid: clip(2·round(16·σ(x))/16 − 1, 0, 15/16); σ(0.1) = 0.55 -> 8.8 -> 9 -> 1/8
    (quantized_relu(4, 0, use_sigmoid=1), [0.5, 0.1, -1.0, 3.0], [0.5, 0.125, 0, 0.9375]),
    # leaky: slope·x below 0 on the same 1/8 grid, down to -slope·2^integer
    (quantized_relu(4, 0, negative_slope=0.5), [-0.3, -5.0, 0.3, 0.0], [-0.125, -0.5, 0.25, 0]),
    # hswish(1) = 4/6 -> 5.33/8; hswish(-1) = -2/6 -> -2.67/8; hswish(5) = 5 saturates; hswish(-4) = 0
    (quantized_hswish(6, 2), [1.0, -1.0, 5.0, -4.0], [0.625, -0.375, 3.875, 0]),
]


@pytest.mark.parametrize(("q", "x", "expected"), HAND, ids=[str(h[0]) for h in HAND])
def test_hand_verified_values(q, x, expected):
    y = run(q, x)
    np.testing.assert_array_equal(y, np.float32(expected))
    assert on_grid(q.hw_kind(), y).all()


def test_ulaw_values():
    # σ(0.2)·8 = 4.8 -> 5 -> rp = 1/4 -> log(1 + 255/4)/log(256); σ(0.5)·8 = 6 -> rp = 1/2 -> 0.8757 > 7/8
    q = quantized_ulaw(4)
    y = run(q, [0.0, 0.2, 0.5, -3.0])
    expected = [0.0, np.log1p(255 / 4) / np.log(256), 0.875, -1.0]
    # the logarithm comes from TensorFlow's float32 log, which need not round like numpy's: 2 ulp of slack
    np.testing.assert_allclose(y, expected, rtol=2 ** -22, atol=0)
    assert y[0] == 0 and y[2] == 0.875 and y[3] == -1.0
    kind = q.hw_kind()
    assert isinstance(kind, LookupTable) and kind.output == FixedType(26, 1, True)
    assert on_grid(kind, y).all()


def test_internal_sigmoid_switch():
    x = [1.0]
    try:
        set_internal_sigmoid("smooth")  # 0.6875·16 = 11
        assert run(quantized_sigmoid(4), x).tolist() == [0.6875]
        set_internal_sigmoid("real")  # sigmoid(1)·16 = 11.70
        assert run(quantized_sigmoid(4), x).tolist() == [0.75]
    finally:
        set_internal_sigmoid("hard")
    assert run(quantized_sigmoid(4), x).tolist() == [0.9375]  # hard: 1 -> 15/16
    with pytest.raises(ValueError, match="'hard', 'smooth', 'real'"):
        set_internal_sigmoid("fast")


def test_curve_kinds():
    assert quantized_tanh(4).hw_kind() == LookupTable(FixedType(4, 1, True, Rounding.RND_CONV, Overflow.SAT),
                                                      "quantized_tanh(4)")
    assert quantized_sigmoid(6).hw_kind().output == FixedType(6, 0, False, Rounding.RND_CONV, Overflow.SAT)
    assert quantized_relu(4, 0, negative_slope=0.5).hw_kind().output == FixedType(4, 1, True)
    assert quantized_hswish(6, 2).hw_kind().output == FixedType(6, 3, True, Rounding.RND_CONV, Overflow.SAT)
    assert quantized_hswish(6, 2).min() == -0.375  # the parabola's bottom -9/24, quantized
    assert quantized_hswish(6, 2, relu_shift=8, relu_upper_bound=1).min() == -4.0  # the grid's own bottom
    # an upper bound inside the grid is an output value of its own
    bounded = quantized_relu(4, 0, relu_upper_bound=0.3, is_quantized_clip=False)
    kind = bounded.hw_kind()
    assert kind.output == fitting_fixed_type([0.0, 0.9375, float(np.float32(0.3))])
    y = run(bounded, [0.2, 0.5, 1.0])
    assert y.tolist() == [0.1875, float(np.float32(0.3)), float(np.float32(0.3))] and on_grid(kind, y).all()
    assert quantized_relu(4, 0, relu_upper_bound=2.0, is_quantized_clip=False).hw_kind() == \
        FixedType(4, 0, False, Rounding.RND_CONV, Overflow.SAT)  # a bound above the grid changes nothing
    with pytest.raises(UnsupportedQuantizerError, match="lookup table"):
        quantized_tanh(4).hw_type()


def test_lookup_table_input_limit():
    with pytest.raises(ValueError, match="at most 16 bits"):
        quantized_tanh(8).hw_kind().check_input(FixedType(20, 4))
    quantized_tanh(8).hw_kind().check_input(FixedType(12, 4))
    assert quantized_tanh(8).hw_kind().table_entries(FixedType(12, 4)) == 4096


def test_quantized_bits_kinds():
    t = FixedType(4, 1, True, Rounding.RND_CONV, Overflow.SAT)
    assert quantized_bits(4, 0).hw_kind() == t
    assert quantized_bits(4, 0, alpha=0.5).hw_kind() == Po2ScaledType(t, Po2Scale.uniform(-1), prescaled=False)
    assert quantized_bits(4, 0, alpha=[0.5, 2.0]).hw_kind() == Po2ScaledType(t, Po2Scale((-1, 1), (2,)), False)
    assert quantized_bits(1, 0).hw_kind() == BinaryType(False, Po2Scale.uniform(0))
    q = quantized_bits(4, 2, alpha="auto_po2")
    with pytest.raises(UnsupportedQuantizerError, match="before any call"):
        q.hw_kind()
    y = run(q, [[0.23, 2.76, 0.1, 0.33], [0.53, 0.16, 0.3, 1.43]])
    # the stored scale·2^(integer − (bits − 1)) is each channel's step: [[0.125, 1, 0.0625, 0.5]]·2^-1
    kind = q.hw_kind()
    assert kind == Po2ScaledType(FixedType(4, 4, True, Rounding.RND_INF, Overflow.SAT_SYM),
                                 Po2Scale((-4, -1, -5, -2), (1, 4)), prescaled=True)
    assert on_grid(kind, y).all()
    assert not on_grid(kind, y + np.float32(2.0 ** -6)).all()  # the check can fail
    with pytest.raises(UnsupportedQuantizerError, match="alpha='auto_po2' or a power-of-two alpha"):
        quantized_bits(4, 0, alpha="auto").hw_kind()
