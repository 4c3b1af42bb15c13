"""Stochastic rounding: unbiased in expectation, E[round(x)] = x (and E[2**e] = |x| for powers of two)."""

from __future__ import annotations

import keras
from keras import ops


def stochastic_round(x, precision: float = 0.5, seed=None):
    """Round x to a multiple of `precision`, up with probability equal to the fraction left over.

    `seed` (an int or a keras.random.SeedGenerator) makes the draw reproducible.
    """
    steps = ops.cast(x, "float32") * (1.0 / precision)
    low = ops.floor(steps)
    # up when the dropped fraction beats a uniform draw: P(up) = fraction, so the mean is x
    up = (steps - low) > keras.random.uniform(ops.shape(steps), dtype="float32", seed=seed)
    return ops.where(up, low + 1.0, low) * precision


def stochastic_round_po2(x, seed=None):
    """A power-of-two exponent for |x|: one of the two around |x|, chosen so that E[2**e] = |x|.

    Returns the exponent (as QKeras does), not the signed value.
    """
    y = ops.abs(ops.cast(x, "float32"))
    eps = keras.config.epsilon()
    nearest = ops.round(ops.log(y + eps) / ops.log(2.0))
    above = ops.power(2.0, nearest) > y
    low = ops.where(above, nearest - 1.0, nearest)
    high = low + 1.0
    # P(high) = (y − 2^low) / (2^high − 2^low) makes the mean of 2^e exactly y between the two
    draw = keras.random.uniform(ops.shape(y), minval=0.0, maxval=1.0, dtype="float32", seed=seed)
    lo_value = ops.power(2.0, low)
    sample = lo_value + draw * lo_value  # uniform in [2^low, 2^high)
    return ops.where(y < sample, low, high)
