"""hwq.quantizers: QKeras values, the hw_type() contract, gradients, config and string round trips."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from support.quantizers import run

from hwq.fixed import FixedType, Overflow, Rounding, quantize, to_float
from hwq.quantizers import (
    UnsupportedQuantizerError,
    get_quantizer,
    known_quantizers,
    quantized_bits,
    quantized_relu,
)


def exact(q, x, t: FixedType | None = None) -> np.ndarray:
    t = t or q.hw_type()
    return to_float(quantize(np.asarray(x, dtype=np.float32).astype(np.float64), t), t)


# -- hand-verified values -------------------------------------------------------------------------

HAND = [
    # quantized_bits(4,0): lsb 1/8, [-1, 7/8]; ties go to even mantissas
    (quantized_bits(4, 0), [0.0625, 0.1875, 0.3125, -0.0625, -0.1875, 0.875, 0.9, 1.0, -1.0, -1.2, 2.0 ** 30],
     [0.0, 0.25, 0.25, 0.0, -0.25, 0.875, 0.875, 0.875, -1.0, -1.0, 0.875]),
    (quantized_bits(4, 0, symmetric=1), [-1.0, -0.9375, -5.0, 0.95], [-0.875, -0.875, -0.875, 0.875]),
    # unsigned: lsb 1/16, [0, 15/16]; negatives round first, then clip to 0
    (quantized_bits(4, 0, keep_negative=False), [-0.5, 0.03125, 0.09375, 1.0, -0.03125],
     [0.0, 0.0, 0.125, 0.9375, 0.0]),
    # integer bits: quantized_bits(6,2) is ap_fixed<6,3>: lsb 1/8, [-4, 3.875]
    (quantized_bits(6, 2), [5.0, 0.0625, 0.1875, -4.0625, -3.9375, 3.8125],
     [3.875, 0.0, 0.25, -4.0, -4.0, 3.75]),
    # negative integer bits: quantized_bits(4,-2): lsb 2^-5, [-1/4, 7/32]
    (quantized_bits(4, -2), [0.3, 0.046875, -0.3], [0.21875, 0.0625, -0.25]),
    # alpha scales after rounding on the unscaled grid
    (quantized_bits(4, 0, alpha=2.0), [0.3, 0.6, -2.0], [0.5, 1.25, -2.0]),
    (quantized_bits(4, 0, alpha=1), [0.3], [0.25]),
    # 1-bit signed: a sign function with sign(0) = +1
    (quantized_bits(1, 0), [-0.3, 0.0, 0.2], [-1.0, 1.0, 1.0]),
    # QKeras' published quantized_relu(6,2) example, plus a tie (0.5 lsb -> 0) and negatives
    (quantized_relu(6, 2), [3.3671875, 10.0, 0.03125, 0.09375, -1.0, -0.03125],
     [3.375, 3.9375, 0.0, 0.125, 0.0, 0.0]),
    (quantized_relu(6, 0), [0.5078125, 0.5234375, 2.0], [0.5, 0.53125, 0.984375]),
]


@pytest.mark.parametrize(("q", "x", "expected"), HAND, ids=[str(h[0]) for h in HAND])
def test_hand_verified_values(q, x, expected):
    assert run(q, x).tolist() == expected


def test_auto_po2_published_example():
    q = quantized_bits(4, 2, alpha="auto_po2")
    x = [[0.23, 2.76, 0.1, 0.33], [0.53, 0.16, 0.3, 1.43]]
    assert run(q, x).tolist() == [[0.25, 3.0, 0.09375, 0.25], [0.4375, 0.0, 0.21875, 1.5]]
    assert q.scale.tolist() == [[0.125, 1.0, 0.0625, 0.5]]
    assert str(q) == "quantized_bits(4,2,1,alpha='auto_po2')"  # 'auto*' forces symmetric


def test_auto_po2_rounds_half_away_from_zero():
    # per-channel scales 1/2 and 1/4 (levels = 6, at most 3 steps each side); -0.25 and 0.125 are
    # half-step ties, which go away from zero here (half to even would give 0)
    q = quantized_bits(3, 0, alpha="auto_po2")
    out = run(q, [[1.75, 0.75], [-0.25, 0.125]])
    assert q.scale.tolist() == [[2.0, 1.0]]  # scale·m with m = 4
    assert out.tolist() == [[1.5, 0.75], [-0.5, 0.25]]


def test_auto_scale_follows_formula():
    q = quantized_bits(4, 0, alpha="auto")
    x = np.array([[1.0, -0.5], [0.25, 0.1]], dtype=np.float32)
    out = run(q, x)
    scale = np.max(np.abs(x), axis=0, keepdims=True) * np.float32(2) / np.float32(14)
    z = np.sign(x) * np.minimum(np.floor(np.abs(x) / scale + np.float32(0.5)), 7)
    assert z.tolist() == [[7, -7], [2, 1]]
    assert np.array_equal(q.scale, scale * np.float32(8))
    assert np.array_equal(out, (scale * np.float32(8)) * (z / np.float32(8)))


def test_auto_po2_options_and_scale_axis():
    x = np.array([[0.9, 0.1], [0.2, 0.05], [0.4, 0.02], [0.05, 0.01]], dtype=np.float32)
    per_row = quantized_bits(4, 0, alpha="auto_po2", scale_axis=0)
    run(per_row, x)
    assert per_row.scale.shape == (4, 1)
    grouped = quantized_bits(4, 0, alpha="auto_po2", scale_axis=0, elements_per_scale=2)
    run(grouped, x)
    assert grouped.scale.shape == (4, 1) and grouped.scale[0, 0] == grouped.scale[1, 0]
    clipped = quantized_bits(4, 0, alpha="auto_po2", min_po2_exponent=-1, max_po2_exponent=-1)
    run(clipped, x)
    assert clipped.scale.tolist() == [[4.0, 4.0]]  # 2^-1 · m
    with pytest.raises(ValueError, match="only supported with alpha='auto_po2'"):
        run(quantized_bits(4, 0, min_po2_exponent=-1), x)


def test_post_training_scale_freezes_auto_scale():
    q = quantized_bits(4, 0, alpha="auto_po2", post_training_scale=[[2.0, 1.0]])
    assert run(q, [[0.3, 0.3]]).tolist() == [[0.25, 0.25]]
    assert q.scale.tolist() == [[2.0, 1.0]]
    with pytest.raises(ValueError, match="post_training_scale"):
        quantized_bits(4, 0, alpha=1, post_training_scale=[1.0])


def test_kernel_quantizer_becomes_auto_po2():
    q = quantized_bits(4, 0)
    q._set_trainable_parameter()
    assert q.alpha == "auto_po2" and q.symmetric and not q.freeze_scale
    fixed = quantized_bits(4, 0, alpha=1)
    fixed._set_trainable_parameter()
    assert fixed.alpha == 1


def test_saturation_is_exact_far_outside_the_grid():
    # QKeras' x + (xq − x) gives 0.0 here through float32 cancellation; hwq gives the saturated value
    assert run(quantized_bits(6, 0), [2.0 ** 30, -(2.0 ** 30), 3e38]).tolist() == [0.96875, -1.0, 0.96875]


def test_max_min_as_qkeras_defines_them():
    assert (quantized_bits(8, 0).max(), quantized_bits(8, 0).min()) == (1.0, -1.0)
    assert (quantized_bits(8, 3).max(), quantized_bits(8, 3).min()) == (8.0, -8.0)
    assert (quantized_bits(8, -2).max(), quantized_bits(8, 3, keep_negative=False).min()) == (1.0, 0.0)
    assert (quantized_relu(6, 2).max(), quantized_relu(6, 2).min()) == (4.0, 0.0)
    assert quantized_relu(6, 2, negative_slope=0.25).min() == -1.0
    assert quantized_bits(3, 0).range().tolist() == [0.0, 0.25, 0.5, 0.75, -1.0, -0.75, -0.5, -0.25]
    assert quantized_relu(2, 1).range().tolist() == [0.0, 0.5, 1.0, 1.5]


# -- the hardware contract ------------------------------------------------------------------------

HW_TYPES = [
    (quantized_bits(6, 0, alpha=1), FixedType(6, 1, True, Rounding.RND_CONV, Overflow.SAT)),
    (quantized_bits(6, 0), FixedType(6, 1, True, Rounding.RND_CONV, Overflow.SAT)),
    (quantized_bits(8, 3, symmetric=1), FixedType(8, 4, True, Rounding.RND_CONV, Overflow.SAT_SYM)),
    (quantized_bits(5, 2, keep_negative=False), FixedType(5, 2, False, Rounding.RND_CONV, Overflow.SAT)),
    (quantized_bits(5, 2, symmetric=1, keep_negative=False), FixedType(5, 2, False, Rounding.RND_CONV, Overflow.SAT)),
    (quantized_bits(4, 0, alpha=np.ones(3)), FixedType(4, 1, True, Rounding.RND_CONV, Overflow.SAT)),
    (quantized_relu(6, 0), FixedType(6, 0, False, Rounding.RND_CONV, Overflow.SAT)),
    (quantized_relu(6, 2, relu_upper_bound=3.0), FixedType(6, 2, False, Rounding.RND_CONV, Overflow.SAT)),
]


@pytest.mark.parametrize(("q", "t"), HW_TYPES, ids=[str(h[0]) for h in HW_TYPES])
def test_hw_type(q, t):
    assert q.hw_type() == t
    assert q.hw_type_and_shift() == (t, 0)


REFUSED = [
    (quantized_bits(4, 0, alpha="auto_po2"), "alpha='auto_po2'"),
    (quantized_bits(4, 0, alpha="auto"), "alpha='auto'"),
    (quantized_bits(4, 0, alpha=0.3), "not a power of two"),
    (quantized_bits(4, 0, alpha=[0.5, 1.0]), "differs across channels"),
    (quantized_bits(4, 0, alpha=0.5), "applied after rounding"),
    (quantized_bits(1, 0), "1-bit signed"),
    (quantized_bits(4, 0, qnoise_factor=0.5), "qnoise_factor"),
    (quantized_bits(26, 0), "26 bits"),
    (quantized_bits(25, 0, keep_negative=False), "25 bits"),
    (quantized_bits(8, -130), "grid from"),
    (quantized_relu(4, 0, use_sigmoid=1), "use_sigmoid"),
    (quantized_relu(4, 0, negative_slope=0.5), "negative_slope"),
    (quantized_relu(4, 0, relu_upper_bound=0.5, is_quantized_clip=False), "relu_upper_bound"),
]


@pytest.mark.parametrize(("q", "setting"), REFUSED, ids=[str(r[0]) for r in REFUSED])
def test_hw_type_refuses_settings_without_exact_type(q, setting):
    with pytest.raises(UnsupportedQuantizerError, match="supported:") as info:
        q.hw_type()
    message = str(info.value)
    assert str(q) in message and setting in message
    assert isinstance(info.value, ValueError)


def test_power_of_two_alpha_is_a_quantize_then_a_shift():
    q = quantized_bits(5, 1, alpha=0.25)
    t, shift = q.hw_type_and_shift()
    assert (t, shift) == (FixedType(5, 2, True, Rounding.RND_CONV, Overflow.SAT), -2)
    x = np.linspace(-3, 3, 97, dtype=np.float32)
    assert np.array_equal(run(q, x), exact(q, x, t) * 2.0 ** shift)


def float32_inputs(frac: int):
    """Arbitrary float32 values, plus grid points, half-lsb ties and their float32 neighbours."""
    ties = st.integers(-(2 ** 26), 2 ** 26).map(lambda n: np.float32(np.ldexp(n, -frac - 1)))
    nudged = st.tuples(ties, st.sampled_from([-1.0, 1.0, 0.0])).map(
        lambda p: np.nextafter(p[0], np.float32(p[1] * np.inf)) if p[1] else p[0])
    return st.one_of(st.floats(width=32, allow_nan=False, allow_infinity=False).map(np.float32), ties, nudged)


@st.composite
def quantizer_and_inputs(draw):
    if draw(st.booleans()):
        signed = draw(st.booleans())
        q = quantized_bits(draw(st.integers(2 if signed else 1, 25 if signed else 24)), draw(st.integers(-10, 10)),
                           symmetric=int(draw(st.booleans())), keep_negative=signed,
                           alpha=draw(st.sampled_from([None, 1, 1.0])), use_ste=draw(st.booleans()))
    else:
        q = quantized_relu(draw(st.integers(1, 24)), draw(st.integers(-10, 10)),
                           is_quantized_clip=draw(st.booleans()))
    x = draw(st.lists(float32_inputs(q.hw_type().frac), min_size=1, max_size=64))
    return q, np.array(x, dtype=np.float32)


@settings(max_examples=300, deadline=None)
@given(quantizer_and_inputs())
def test_keras_forward_equals_fixed_point_quantize(case):
    q, x = case
    assert np.array_equal(run(q, x).astype(np.float64), exact(q, x)), str(q)


# -- gradients ---------------------------------------------------------------------------------------

def gradient(q, x, **call):
    x = tf.Variable(np.asarray(x, dtype=np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(q(x, **call))
    return tape.gradient(y, x).numpy()


def test_gradients_are_straight_through():
    x = [-3.0, -0.4, 0.0, 0.3, 0.9, 5.0]
    assert gradient(quantized_bits(4, 0), x).tolist() == [1.0] * 6  # QKeras' STE: 1 even when saturated
    assert gradient(quantized_bits(4, 0, alpha="auto_po2"), [[0.2, -0.7], [0.1, 0.5]]).tolist() == [[1.0, 1.0]] * 2
    # quantized_relu follows its clipped float ReLU: 0 below 0 and above the top of the grid
    assert gradient(quantized_relu(4, 0), x).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    assert gradient(quantized_relu(4, 0, is_quantized_clip=False), x).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]


def test_qnoise_factor_and_use_ste():
    x = np.array([0.3, -0.7], dtype=np.float32)
    half = quantized_bits(4, 0, qnoise_factor=0.5)
    assert np.array_equal(run(half, x), x + np.float32(0.5) * (np.float32([0.25, -0.75]) - x))
    assert gradient(half, x).tolist() == [1.0, 1.0]
    no_ste = quantized_bits(4, 0, use_ste=False)
    assert run(no_ste, x).tolist() == [0.25, -0.75]
    assert gradient(no_ste, x).tolist() == [0.0, 0.0]


def test_stochastic_rounding_only_while_training():
    q = quantized_bits(4, 0, use_stochastic_rounding=True)
    x = np.full(2000, 0.3, dtype=np.float32)  # between 0.25 and 0.375
    assert np.all(run(q, x) == 0.25)
    trained = np.asarray(q(x, training=True))
    assert set(np.unique(trained).tolist()) == {0.25, 0.375}
    assert 0.3 < np.mean(trained == 0.375) < 0.5  # P(up) = 0.4
    assert q.hw_type() == quantized_bits(4, 0).hw_type()  # inference is deterministic


# -- config, strings, get_quantizer ----------------------------------------------------------------------

ROUND_TRIP = [
    quantized_bits(), quantized_bits(6, 0, alpha=1), quantized_bits(8, 3, 1, keep_negative=False),
    quantized_bits(4, 0, alpha=[0.5, 0.25]), quantized_bits(4, 2, alpha="auto_po2", scale_axis=0,
                                                           elements_per_scale=2, min_po2_exponent=-4),
    quantized_bits(4, 0, alpha="auto", post_training_scale=[1.0, 2.0]), quantized_bits(4, 0, qnoise_factor=0.5,
                                                                                        use_ste=False),
    quantized_bits(5, 1, use_stochastic_rounding=True),
    quantized_relu(), quantized_relu(6, 0), quantized_relu(6, 2, 1, 0.25), quantized_relu(4, 0, negative_slope=0.5),
    quantized_relu(4, 0, relu_upper_bound=3.0, is_quantized_clip=False, use_stochastic_rounding=True),
]


@pytest.mark.parametrize("q", ROUND_TRIP, ids=str)
def test_config_and_string_round_trip(q):
    config = q.get_config()
    assert type(q).from_config(config).get_config() == config
    parsed = get_quantizer(str(q))
    assert type(parsed) is type(q) and parsed.get_config() == config
    assert str(parsed) == str(q)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(q))
    assert type(restored) is type(q) and restored.get_config() == config


def test_strings_match_qkeras_spelling():
    assert str(quantized_bits(6, 0, alpha=1)) == "quantized_bits(6,0,0,alpha=1)"
    assert str(quantized_bits(8, 3, 1, keep_negative=False)) == "quantized_bits(8,3,1,keep_negative=False)"
    assert str(quantized_relu(6, 0)) == "quantized_relu(6,0)"


def test_get_quantizer_accepts_every_form():
    q = quantized_bits(6, 0, alpha=1)
    assert get_quantizer(None) is None
    assert get_quantizer(q) is q
    assert get_quantizer(abs) is abs
    assert str(get_quantizer({"class_name": "quantized_relu", "config": {"bits": 4, "integer": 1}})) \
        == "quantized_relu(4,1)"  # QKeras' dict form
    assert str(get_quantizer(keras.saving.serialize_keras_object(q))) == str(q)
    assert str(get_quantizer(" quantized_relu( 6 , 0 ) ")) == "quantized_relu(6,0)"
    assert str(get_quantizer("quantized_bits(4,0,1,alpha='auto_po2')")) == "quantized_bits(4,0,1,alpha='auto_po2')"
    assert str(get_quantizer("quantized_relu")) == "quantized_relu(8,0)"
    assert get_quantizer("relu") is keras.activations.relu
    assert get_quantizer("linear") is keras.activations.linear
    assert get_quantizer("softmax") is keras.activations.softmax


@pytest.mark.parametrize(("identifier", "expected"), [
    ("quantized_po3(4)", "unknown quantizer 'quantized_po3'"),
    ("hard_sigmoid(2)", "expected the bare name 'hard_sigmoid'"),
    ("quantized_bits(4,", "cannot parse"),
    ("quantized_bits(__import__('os'))", "not a literal"),
    ("os.system('true')", "expected NAME"),
    ("quantized_bits(**{'bits': 4})", "'**'"),
    ("quantized_bits(4, nbits=3)", "expected quantized_bits(bits=8, integer=0, symmetric=0"),
    ("quantized_bits(4, 0, alpha='po2')", "alpha must be"),
    ("no_such_activation", "unknown quantizer or activation"),
    (42, "cannot interpret"),
    ({"class_name": "NoSuchQuantizer", "config": {}}, "cannot interpret config"),
])
def test_get_quantizer_errors(identifier, expected):
    with pytest.raises(ValueError) as info:
        get_quantizer(identifier)
    message = str(info.value)
    assert expected in message
    # an unknown name or unreadable text lists what is known; bad arguments show what was expected
    assert "known quantizers: bernoulli, binary, quantized_bits" in message or "expected" in message \
        or "alpha must be" in message or "literal" in message


def test_error_lists_known_quantizers():
    every = {"quantized_bits", "quantized_linear", "quantized_relu", "quantized_po2", "quantized_relu_po2",
             "quantized_tanh", "quantized_sigmoid", "quantized_ulaw", "quantized_hswish", "binary",
             "stochastic_binary", "ternary", "stochastic_ternary", "bernoulli"}
    assert set(known_quantizers()) == every
    with pytest.raises(ValueError, match="quantized_tanh, quantized_ulaw, stochastic_binary, stochastic_ternary, "
                                         "ternary; functions: binary_sigmoid, binary_tanh, hard_sigmoid"):
        get_quantizer("ternery()")


def test_constructor_validation():
    with pytest.raises(ValueError, match="bits"):
        quantized_bits(0)
    with pytest.raises(ValueError, match="integer"):
        quantized_bits(4, 0.5)
    with pytest.raises(ValueError, match="negative_slope"):
        quantized_relu(4, 0, negative_slope=0.3)


@pytest.mark.parametrize("q", [quantized_bits(6, 0, alpha=1), quantized_bits(8, 3, 1), quantized_bits(4, -3),
                               quantized_bits(5, 2, keep_negative=False), quantized_relu(6, 0), quantized_relu(4, 9),
                               quantized_bits(25, 0), quantized_relu(24, -8)], ids=str)
def test_graph_and_xla_forward_are_exact_too(q):
    t = q.hw_type()
    n = np.arange(-(2 ** 12), 2 ** 12)
    x = np.concatenate([np.ldexp(n, -t.frac - 1), np.ldexp(n, t.integer - 6), [1e-40, -1e-40, 3e38, -3e38]])
    x = np.concatenate([x, np.nextafter(x, np.inf), np.nextafter(x, -np.inf)]).astype(np.float32)
    expected = exact(q, x)
    for jit in (False, True):
        graph = tf.function(lambda v: q(v), jit_compile=jit)  # noqa: B023
        assert np.array_equal(graph(tf.constant(x)).numpy().astype(np.float64), expected), f"jit_compile={jit}"
    model = keras.Sequential([keras.Input((1,)), keras.layers.Lambda(q)])
    predicted = model.predict(x.reshape(-1, 1), batch_size=len(x), verbose=0).ravel()
    assert np.array_equal(predicted.astype(np.float64), expected)
