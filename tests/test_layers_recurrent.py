"""QSimpleRNN, QLSTM, QGRU (and their cells) and QBidirectional against an independent numpy forward pass.

Weights, inputs and states are on coarse grids (quantized weights, state_quantizer on, inputs in eighths), so every
float32 sum and product Keras forms is exact and the comparison is exact too; the one test with a float
activation ('tanh') compares within float32 rounding and says so."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from hwq import load_model
from hwq.layers import QGRU, QLSTM, QBidirectional, QGRUCell, QLSTMCell, QSimpleRNN, QSimpleRNNCell
from hwq.quantizers import hard_sigmoid, quantized_bits, quantized_tanh

W = quantized_bits(4, 0, alpha=1)  # weights on a 1/8 grid
S = quantized_bits(6, 2, alpha=1)  # states on a 1/8 grid within [-4, 4): coarser than the activations' grid
T = quantized_tanh(6)


def q(quantizer, x):
    return np.asarray(keras.ops.convert_to_numpy(quantizer(np.asarray(x, dtype=np.float32))), dtype=np.float64)


def inputs(batch: int = 3, steps: int = 9, features: int = 3) -> np.ndarray:
    return np.random.default_rng(steps).integers(-12, 13, size=(batch, steps, features)).astype(np.float32) / 8


def weights(layer) -> tuple[np.ndarray, ...]:
    cell = layer.cell if hasattr(layer, "cell") else layer
    kernel = q(W, cell.kernel.numpy())
    recurrent = q(W, cell.recurrent_kernel.numpy())
    bias = q(W, cell.bias.numpy()) if cell.use_bias else None
    return kernel, recurrent, bias


def randomize(model: keras.Model) -> None:
    """Weights drawn over [-1, 1] (the default zero bias and orthogonal kernels exercise little)."""
    rng = np.random.default_rng(1)
    for w in model.weights:
        w.assign(rng.uniform(-1, 1, size=w.shape).astype(np.float32))


def run(layer, x: np.ndarray) -> tuple[keras.Model, list[np.ndarray]]:
    inp = keras.Input(x.shape[1:])
    out = layer(inp)
    model = keras.Model(inp, out)
    randomize(model)
    y = model.predict(x, verbose=0)
    return model, list(y) if isinstance(y, (list, tuple)) else [y]


# ------------------------------------------------------------------------------------------------------------
# the numpy reference: one step of each cell, then the sequence loop


def simple_step(x, states, w, act, state=S):
    kernel, recurrent, bias = w
    h = states[0] if state is None else q(state, states[0])
    z = x @ kernel + (0 if bias is None else bias) + h @ recurrent
    out = act(z) if callable(act) and not hasattr(act, "bits") else q(act, z) if act is not None else z
    return out, [out]


def lstm_step(x, states, w, act, rec_act):
    kernel, recurrent, bias = w
    h, c = q(S, states[0]), q(S, states[1])
    z = x @ kernel + h @ recurrent + (0 if bias is None else bias)
    zi, zf, zc, zo = np.split(z, 4, axis=-1)
    c = rec_act(zf) * c + rec_act(zi) * q(act, zc)
    h = rec_act(zo) * q(act, c)
    return h, [h, c]


def gru_step(x, states, w, act, rec_act, reset_after):
    kernel, recurrent, bias = w
    h = q(S, states[0])
    units = h.shape[-1]
    b_in, b_rec = (0, 0) if bias is None else (bias[0], bias[1]) if reset_after else (bias, 0)
    xz, xr, xh = np.split(x @ kernel + b_in, 3, axis=-1)
    rz, rr, rh = np.split(h @ recurrent + b_rec, 3, axis=-1) if reset_after else \
        (*np.split(h @ recurrent[:, :2 * units], 2, axis=-1), None)
    z, r = rec_act(xz + rz), rec_act(xr + rr)
    candidate = q(act, xh + r * rh) if reset_after else q(act, xh + (r * h) @ recurrent[:, 2 * units:])
    h = z * h + (1 - z) * candidate
    return h, [h]


def sequence(step, x, initial, go_backwards=False):
    states, outs = initial, []
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in order:
        out, states = step(x[:, t].astype(np.float64), states)
        outs.append(out)
    return np.stack(outs, axis=1), states


def rec_hard_sigmoid(v):
    return q(hard_sigmoid, v)


def zeros(x, units, n):
    return [np.zeros((x.shape[0], units)) for _ in range(n)]


QUANTIZED = {"kernel_quantizer": W, "recurrent_quantizer": W, "bias_quantizer": W, "state_quantizer": S}

# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_simple_rnn(use_bias: bool, go_backwards: bool) -> None:
    x = inputs()
    layer = QSimpleRNN(4, activation=T, use_bias=use_bias, return_sequences=True, go_backwards=go_backwards,
                       **QUANTIZED)
    _, (y,) = run(layer, x)
    want, _ = sequence(lambda xt, s: simple_step(xt, s, weights(layer), T), x, zeros(x, 4, 1), go_backwards)
    assert np.array_equal(y, want)


@pytest.mark.parametrize("unroll", [False, True])
def test_lstm_with_states_returned(unroll: bool) -> None:
    x = inputs()
    layer = QLSTM(5, activation=T, recurrent_activation="hard_sigmoid", return_sequences=True, return_state=True,
                  unroll=unroll, **QUANTIZED)
    _, (y, h, c) = run(layer, x)
    want, (wh, wc) = sequence(lambda xt, s: lstm_step(xt, s, weights(layer), T, rec_hard_sigmoid), x, zeros(x, 5, 2))
    assert np.array_equal(y, want) and np.array_equal(h, wh) and np.array_equal(c, wc)


@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("use_bias", [True, False])
def test_gru(reset_after: bool, use_bias: bool) -> None:
    x = inputs()
    layer = QGRU(4, activation=T, reset_after=reset_after, use_bias=use_bias, **QUANTIZED)
    _, (y,) = run(layer, x)
    step = lambda xt, s: gru_step(xt, s, weights(layer), T, rec_hard_sigmoid, reset_after)  # noqa: E731
    want, _ = sequence(step, x, zeros(x, 4, 1))
    assert np.array_equal(y, want[:, -1])  # return_sequences=False: the last output


def test_stateful_layer_carries_its_state_between_calls() -> None:
    x = inputs(batch=2, steps=6)
    layer = QSimpleRNN(3, activation=T, stateful=True, return_sequences=True, **QUANTIZED)
    inp = keras.Input(batch_shape=(2, 3, 3))
    model = keras.Model(inp, layer(inp))
    randomize(model)
    first, second = model.predict(x[:, :3], verbose=0), model.predict(x[:, 3:], verbose=0)
    want, _ = sequence(lambda xt, s: simple_step(xt, s, weights(layer), T), x, zeros(x, 3, 1))
    assert np.array_equal(np.concatenate([first, second], axis=1), want)
    layer.reset_states()
    assert np.array_equal(model.predict(x[:, :3], verbose=0), want[:, :3])


def test_bidirectional_concatenates_both_directions() -> None:
    x = inputs()
    layer = QBidirectional(QLSTM(3, activation=T, return_sequences=True, **QUANTIZED))
    _, (y,) = run(layer, x)
    forward, _ = sequence(lambda xt, s: lstm_step(xt, s, weights(layer.forward_layer), T, rec_hard_sigmoid), x,
                          zeros(x, 3, 2))
    backward, _ = sequence(lambda xt, s: lstm_step(xt, s, weights(layer.backward_layer), T, rec_hard_sigmoid), x,
                           zeros(x, 3, 2), go_backwards=True)
    assert np.array_equal(y, np.concatenate([forward, backward[:, ::-1]], axis=-1))
    assert len(layer.get_quantizers()) == 8 and set(layer.get_quantization_config()) == {"layer", "backward_layer"}


def test_string_activations_are_read_as_qkeras_reads_them() -> None:
    x = inputs()
    weights_only = {k: v for k, v in QUANTIZED.items() if k != "state_quantizer"}
    layer = QSimpleRNN(4, activation="tanh", return_sequences=True, **weights_only)
    _, (y,) = run(layer, x)
    want, _ = sequence(lambda xt, s: simple_step(xt, s, weights(layer), np.tanh, state=None), x, zeros(x, 4, 1))
    # a float activation and no state quantizer: Keras' float32 steps against numpy's float64 ones, within the
    # float32 rounding that nine steps accumulate
    assert np.allclose(y, want, rtol=0, atol=1e-5)
    cell = QLSTMCell(2, activation="quantized_tanh(4)", recurrent_activation="hard_sigmoid")
    assert isinstance(cell.activation, quantized_tanh) and cell.activation.bits == 4
    assert cell.recurrent_activation is hard_sigmoid


@pytest.mark.parametrize("make", [
    lambda: QSimpleRNN(3, activation=T, return_sequences=True, **QUANTIZED),
    lambda: QLSTM(3, activation=T, return_state=True, **QUANTIZED),
    lambda: QGRU(3, activation=T, reset_after=True, go_backwards=True, **QUANTIZED),
    lambda: QBidirectional(QGRU(2, activation=T, return_sequences=True, **QUANTIZED), merge_mode="sum"),
])
def test_save_and_load(tmp_path, make) -> None:
    x = inputs()
    model, y = run(make(), x)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    got = loaded.predict(x, verbose=0)
    for a, b in zip(y, got if isinstance(got, (list, tuple)) else [got], strict=True):
        assert np.array_equal(a, b)
    layer = loaded.layers[1]
    inner = layer.forward_layer if isinstance(layer, QBidirectional) else layer
    assert str(inner.state_quantizer_internal) == str(S)


def test_qkeras_accessors_and_config() -> None:
    layer = QLSTM(6, activation=T, kernel_quantizer="quantized_bits(4,0,alpha=1)", unit_forget_bias=False)
    assert layer.units == 6 and layer.unit_forget_bias is False and layer.kernel_quantizer_internal.bits == 4
    assert layer.get_quantization_config()["recurrent_activation"] == str(hard_sigmoid)
    config = layer.get_config()
    assert config["units"] == 6 and "cell" not in config and config["kernel_quantizer"]["class_name"]
    rebuilt = QLSTM.from_config(config)
    assert rebuilt.cell.kernel_quantizer_internal.bits == 4
    for cell in (QSimpleRNNCell(2), QLSTMCell(2), QGRUCell(2)):
        assert isinstance(cell.activation, quantized_tanh)  # QKeras' default activation
