"""Property: every output of every quantizer lies on the grid its hw_kind() declares, for random settings and
inputs (grid points, half-step ties, their float32 neighbours, values far out of range, zeros, subnormals)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwq.fixed import on_grid
from hwq.quantizers import (
    UnsupportedQuantizerError,
    bernoulli,
    binary,
    quantized_bits,
    quantized_hswish,
    quantized_linear,
    quantized_po2,
    quantized_relu,
    quantized_relu_po2,
    quantized_sigmoid,
    quantized_tanh,
    quantized_ulaw,
    stochastic_binary,
    stochastic_ternary,
    ternary,
)

po2_alpha = st.sampled_from([None, 0.25, 0.5, 1.0, 2.0, 4.0])


def quantizers():
    b, i = st.integers(2, 12), st.integers(-4, 4)
    return st.one_of(
        st.builds(quantized_bits, b, i, st.integers(0, 1), st.booleans(), po2_alpha),
        st.builds(quantized_bits, b, i, alpha=st.just("auto_po2"), use_stochastic_rounding=st.booleans()),
        st.builds(quantized_linear, b, i, st.integers(0, 1), st.booleans(), po2_alpha),
        st.builds(quantized_linear, st.integers(1, 12), i, alpha=st.just("auto_po2")),
        st.builds(quantized_relu, st.integers(1, 12), i, use_sigmoid=st.integers(0, 1),
                  negative_slope=st.sampled_from([0.0, 0.25, 1.0])),
        st.builds(quantized_relu, b, i, relu_upper_bound=st.floats(0.1, 4), is_quantized_clip=st.just(False)),
        st.builds(quantized_po2, st.integers(2, 7), st.sampled_from([None, 0.5, 1, 3, 100]),
                  quadratic_approximation=st.booleans(), log2_rounding=st.sampled_from(["rnd", "floor"])),
        st.builds(quantized_relu_po2, st.integers(1, 6), st.sampled_from([None, 0.5, 1, 3]),
                  st.sampled_from([0, 0.5, 2]), quadratic_approximation=st.booleans(),
                  log2_rounding=st.sampled_from(["rnd", "floor"])),
        st.builds(quantized_tanh, st.integers(1, 12), symmetric=st.booleans(), use_real_tanh=st.booleans()),
        st.builds(quantized_sigmoid, st.integers(1, 12), symmetric=st.booleans(), use_real_sigmoid=st.booleans()),
        st.builds(quantized_ulaw, st.integers(2, 10), st.integers(-2, 2), st.integers(0, 1),
                  st.sampled_from([255.0, 15.0, 1.0])),
        st.builds(quantized_hswish, b, i, st.integers(0, 1), st.sampled_from([None, 0.5, 2.0])),
        st.builds(binary, st.booleans(), st.sampled_from([None, 0.5, 2.0, "auto_po2"])),
        st.builds(stochastic_binary, st.sampled_from([None, 0.5, "auto_po2"])),
        st.builds(bernoulli, st.sampled_from([None, 2.0, "auto_po2"])),
        st.builds(ternary, st.sampled_from([None, 0.5, 2.0]), st.sampled_from([None, 0.1, 0.5])),
        st.builds(ternary, st.sampled_from(["auto_po2"])),
        st.builds(stochastic_ternary, st.sampled_from([None, 0.25, "auto_po2"])),
    )


def values():
    """float32 values: steps of 2^-12 and their half steps (ties for most grids here), float32 neighbours,
    and anything finite."""
    on_steps = st.integers(-(2 ** 16), 2 ** 16).map(lambda n: float(np.ldexp(n, -13)))
    nudged = st.tuples(on_steps, st.sampled_from([-1.0, 1.0])).map(
        lambda p: float(np.nextafter(np.float32(p[0]), np.float32(p[1] * np.inf))))
    anything = st.floats(width=32, allow_nan=False, allow_infinity=False)
    return st.one_of(on_steps, nudged, anything, st.sampled_from([0.0, -0.0, 1e-40, -1e-40, 3e38, -3e38]))


# stochastic quantizers seed their generators from Python's random module when built
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
# derandomized in the default run so CI sees the same examples every time; the sweep explores afresh
@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(quantizers(), st.lists(values(), min_size=3, max_size=24), st.integers(1, 3))
def test_outputs_lie_on_the_declared_grid(q, flat, channels):
    check_on_grid(q, flat, channels)


@pytest.mark.sweep
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quantizers(), st.lists(values(), min_size=3, max_size=24), st.integers(1, 3))
def test_outputs_lie_on_the_declared_grid_sweep(q, flat, channels):
    check_on_grid(q, flat, channels)


def check_on_grid(q, flat, channels):
    n = len(flat) // channels * channels
    x = np.array(flat[:n], dtype=np.float32).reshape(-1, channels)  # (samples, channels)
    y = np.asarray(q(x))
    if isinstance(getattr(q, "alpha", None), str) and not np.all(np.isfinite(np.asarray(q.scale, np.float64))):
        # 2·max|x| overflowed float32 (x near 3e38): no power-of-two scale to declare, and hw_kind says so
        with pytest.raises(UnsupportedQuantizerError, match="power of two"):
            q.hw_kind()
        return
    if isinstance(getattr(q, "alpha", None), str) and np.max(np.abs(x)) > 2.0 ** 100:
        try:  # a scale fitted to values near float32's top may leave its range: then hw_kind refuses, and says so
            q.hw_kind()
        except UnsupportedQuantizerError as err:
            assert "float32" in str(err)
            return
    kind = q.hw_kind()  # after the call: 'auto_po2' declares the scales it just used
    off = ~on_grid(kind, y)
    assert not off.any(), f"{q}: {kind} does not hold {y[off][:4]} (from x = {x[off][:4]})"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from([quantized_bits(6, 1, use_stochastic_rounding=True),
                        quantized_relu(5, 1, use_stochastic_rounding=True),
                        quantized_linear(5, 1, use_stochastic_rounding=True),
                        quantized_po2(5, use_stochastic_rounding=True),
                        quantized_tanh(5, use_stochastic_rounding=True),
                        quantized_sigmoid(5, use_stochastic_rounding=True)]),
       st.lists(values(), min_size=1, max_size=24))
def test_stochastic_rounding_stays_on_the_grid_in_training(q, flat):
    y = np.asarray(q(np.array(flat, dtype=np.float32), training=True))
    assert on_grid(q.hw_kind(), y).all(), str(q)
