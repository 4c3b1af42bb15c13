"""Accumulator sizing: tight (brute force over every extreme input) and minimal."""

import itertools

import numpy as np
import pytest
from support.graphs import random_tensor, random_type

from hwq.analysis import dense_accumulator
from hwq.fixed import FixedType


def brute_force(x: FixedType, kernel, bias, frac: int) -> tuple[int, int]:
    """Every input at one end of its range: a linear function's extremes are among these."""
    k = kernel.mantissa.astype(object) << (frac - x.frac - kernel.type.frac)
    b = (bias.mantissa.astype(object) << (frac - bias.type.frac)) if bias is not None else 0
    outs = []
    for corner in itertools.product((x.min_mantissa, x.max_mantissa), repeat=k.shape[0]):
        outs.append(np.array(corner, dtype=object) @ k + b)
    outs = np.array(outs, dtype=object)
    return int(outs.min()), int(outs.max())


@pytest.mark.parametrize("seed", range(60))
def test_dense_accumulator_is_tight_and_minimal(seed):
    rng = np.random.default_rng(seed)
    x = random_type(rng, hi_bits=10, modes=False)
    n_in, n_out = int(rng.integers(1, 8)), int(rng.integers(1, 5))
    kernel = random_tensor(rng, (n_in, n_out), random_type(rng, hi_bits=10, modes=False))
    bias = random_tensor(rng, (n_out,), random_type(rng, hi_bits=10, modes=False)) if seed % 3 else None
    bounds = dense_accumulator(x, kernel, bias)
    acc = bounds.type
    lo, hi = brute_force(x, kernel, bias, acc.frac)
    assert (bounds.lo, bounds.hi) == (min(lo, 0), max(hi, 0))
    assert acc.contains(lo, hi)
    narrower = FixedType(acc.width - 1, acc.integer - 1, acc.signed) if acc.width > 1 else None
    if narrower is not None:
        assert not narrower.contains(min(lo, 0), max(hi, 0)), "one bit fewer would still fit: not minimal"
    assert acc.frac >= x.frac + kernel.type.frac
    assert 2 ** bounds.magnitude_bits > max(abs(lo), abs(hi))


def test_unsigned_when_nothing_is_negative():
    x = FixedType(4, 4, signed=False)
    from hwq.ir import IntTensor

    kernel = IntTensor(np.array([[1], [2]]), FixedType(3, 3, signed=False))
    bounds = dense_accumulator(x, kernel, None)
    assert not bounds.type.signed and bounds.hi == 15 * 3 and bounds.type.width == 6
