"""lower() over Keras' functional graph: merges, reshapes, several inputs and outputs — Keras == simulate —
and the refusals that name the layer."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import pytest

import hwq
from hwq.fixed import quantize, to_float
from hwq.frontend import UnsupportedLayerError
from hwq.layers import QActivation, QDense
from hwq.quantizers import quantized_bits, quantized_relu

F64 = "float64"


def qdense(units: int, name: str, activation=None) -> QDense:
    return QDense(units, name=name, dtype=F64, activation=activation,
                  kernel_quantizer=quantized_bits(6, 1, alpha=1), bias_quantizer=quantized_bits(6, 2, alpha=1))


def quantizer(name: str, bits: int = 8, integer: int = 3) -> QActivation:
    return QActivation(quantized_bits(bits, integer, alpha=1), name=name, dtype=F64)


def _inputs(shape, name="x"):
    return keras.Input(shape, name=name, dtype=F64)


def _check(model, n: int = 3000, seed: int = 0, **lower_kw) -> hwq.Graph:
    graph = hwq.lower(model, **lower_kw)
    rng = np.random.default_rng(seed)
    # on each port's grid already: the same values whether the port type comes from a quantizer or input_type
    xs = [to_float(quantize(rng.uniform(-12, 12, size=(n, *v.shape)), v.type), v.type) for v in graph.inputs]
    got = graph.simulate(xs if len(xs) > 1 else xs[0])
    want = model.predict(xs if len(xs) > 1 else xs[0], batch_size=4096, verbose=0)
    got, want = (got, want) if isinstance(got, list) else ([got], [want])
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.asarray(w, np.float64), g)
    return graph


def _weights(model, seed: int = 1):
    model.set_weights([np.random.default_rng(seed).normal(0, 1, w.shape) for w in model.get_weights()])
    return model


def test_residual_mlp():
    x = _inputs((8,))
    h0 = quantizer("in_q")(x)
    h1 = qdense(8, "fc1", quantized_relu(8, 3))(h0)
    h2 = qdense(8, "fc2", quantized_bits(8, 3, alpha=1))(h1)
    s = keras.layers.Add(name="skip", dtype=F64)([h0, h2])
    y = qdense(3, "head")(quantizer("sum_q", 10, 5)(s))
    graph = _check(_weights(keras.Model(x, y, name="residual")))
    assert [n.op for n in graph.nodes].count("add") == 1
    assert len(graph.consumers()[graph.inputs[0].name]) == 2  # the input feeds fc1 and the skip


def test_two_branches_concatenated_and_two_outputs():
    x = _inputs((5,))
    h = quantizer("in_q")(x)
    a = qdense(4, "left", quantized_relu(6, 2))(h)
    b = qdense(3, "right", quantized_bits(6, 2, alpha=1))(h)
    c = keras.layers.Concatenate(name="joined", dtype=F64)([a, b])
    y1 = qdense(2, "head")(c)
    graph = _check(_weights(keras.Model(x, [y1, b], name="two_branch")))
    assert len(graph.outputs) == 2 and graph.output_values[0].shape == (2,)
    join = graph.node("joined")
    assert join.op == "concatenate" and join.output.shape == (7,)


def test_average_subtract_multiply():
    x1, x2 = _inputs((4,), "a"), _inputs((4,), "b")
    a, b = quantizer("qa")(x1), quantizer("qb", 6, 2)(x2)
    avg = keras.layers.Average(name="avg", dtype=F64)([a, b])
    diff = keras.layers.Subtract(name="diff", dtype=F64)([a, b])
    prod = keras.layers.Multiply(name="prod", dtype=F64)([a, b])
    graph = _check(keras.Model([x1, x2], [avg, diff, prod], name="merges"))
    assert sorted(n.op for n in graph.nodes) == ["add", "multiply", "scale", "subtract"]
    assert graph.node("prod").output.type.width <= 8 + 6


def test_average_of_three_is_refused():
    xs = [_inputs((2,), f"x{k}") for k in range(3)]
    qs = [quantizer(f"q{k}")(x) for k, x in enumerate(xs)]
    model = keras.Model(xs, keras.layers.Average(name="avg3", dtype=F64)(qs))
    with pytest.raises(UnsupportedLayerError, match=r"'avg3'.*divides by 3"):
        hwq.lower(model)


def test_flatten_reshape_permute_and_dense_over_the_last_axis():
    x = _inputs((2, 3, 4))
    h = quantizer("in_q")(x)
    f = keras.layers.Flatten(name="flat_cf", data_format="channels_first", dtype=F64)(h)
    r = keras.layers.Reshape((4, -1), name="reshape", dtype=F64)(f)
    p = keras.layers.Permute((2, 1), name="permute", dtype=F64)(r)
    d = qdense(2, "per_row", quantized_bits(8, 4, alpha=1))(p)  # a dense over the last of (6, 4)
    y = keras.layers.Flatten(name="flat", dtype=F64)(d)
    graph = _check(_weights(keras.Model(x, y, name="shapes")))
    assert graph.node("per_row").output.shape == (6, 2)
    assert graph.node("reshape").attrs["shape"] == [4, 6]
    assert [n.op for n in graph.nodes][:2] == ["transpose", "reshape"]  # channels_first moves channels last


def test_several_inputs_take_a_dict_of_types():
    x1, x2 = _inputs((3,), "left"), _inputs((3,), "right")
    y = keras.layers.Add(name="sum", dtype=F64)([qdense(2, "d1")(x1), qdense(2, "d2")(x2)])
    model = _weights(keras.Model([x1, x2], y, name="two_in"))
    with pytest.raises(UnsupportedLayerError, match=r"input 'left'.*input_type.*dict by input name"):
        hwq.lower(model)
    graph = _check(model, input_type={"left": "ap_fixed<8,4>", "right": "ap_ufixed<6,2>"})
    assert [str(v.type) for v in graph.inputs] == ["ap_fixed<8,4>", "ap_ufixed<6,2>"]


def test_until_several_layers_and_left_out():
    x = _inputs((4,))
    h = quantizer("in_q")(x)
    a = qdense(3, "a")(h)
    b = qdense(2, "b")(h)
    probs = keras.layers.Activation("softmax", name="probs", dtype=F64)(a)
    model = _weights(keras.Model(x, [probs, b], name="heads"))
    with pytest.raises(UnsupportedLayerError, match=r"'probs'.*until='a'"):
        hwq.lower(model)
    graph = hwq.lower(model, until=["a", "b"])
    assert len(graph.outputs) == 2 and graph.meta["left_out"] == ["probs"]


def test_quantized_input_as_an_output_is_a_copy():
    x = _inputs((3,))
    h = quantizer("in_q")(x)
    model = _weights(keras.Model(x, [qdense(2, "d")(h), h], name="passthrough"))
    graph = _check(model)
    assert graph.node("in_q_copy").op == "quantize"


def test_unsupported_layer_in_a_branch_names_it():
    x = _inputs((4,))
    h = quantizer("in_q")(x)
    odd = keras.layers.Dense(2, name="float_dense", dtype=F64)(h)
    model = keras.Model(x, keras.layers.Concatenate(name="cat", dtype=F64)([qdense(2, "ok")(h), odd]))
    with pytest.raises(UnsupportedLayerError, match=r"'float_dense' of type Dense.*supported layers.*until='in_q'"):
        hwq.lower(model)


def test_a_raw_input_returned_as_an_output_needs_an_input_type():
    """The port cannot take the quantizer's type when the unquantized input is an output too."""
    x = _inputs((3,))
    model = _weights(keras.Model(x, [qdense(2, "d")(quantizer("in_q")(x)), x], name="raw_out"))
    with pytest.raises(UnsupportedLayerError, match="input 'x' does not feed one QActivation.*is not an output"):
        hwq.lower(model)
    graph = _check(model, input_type="ap_fixed<10,5>")
    assert graph.node("in_q").op == "quantize"


def test_until_a_layer_called_twice_is_refused():
    x1, x2 = _inputs((3,), "a"), _inputs((3,), "b")
    shared = qdense(2, "shared")
    y = keras.layers.Add(name="sum", dtype=F64)([shared(quantizer("qa")(x1)), shared(quantizer("qb")(x2))])
    model = _weights(keras.Model([x1, x2], y, name="shared_layer"))
    _check(model)  # a layer called twice becomes two nodes
    with pytest.raises(UnsupportedLayerError, match="'shared' is called 2 times"):
        hwq.lower(model, until="shared")
