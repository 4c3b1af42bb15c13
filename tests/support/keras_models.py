"""Random quantized Keras MLPs built from hwq layers, for end-to-end equality tests."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np

from hwq.layers import QActivation, QDense
from hwq.quantizers import quantized_bits, quantized_relu


def random_bits_quantizer(rng: np.random.Generator, lo: int = 2, hi: int = 16, signed: bool | None = None):
    bits = int(rng.integers(lo, hi + 1))
    keep_negative = bool(rng.integers(0, 2)) if signed is None else signed
    integer = int(rng.integers(0, min(bits - 1, 6) + 1))
    return quantized_bits(bits, integer, keep_negative=keep_negative, alpha=1)


def random_activation(rng: np.random.Generator, hi: int = 16):
    if rng.integers(0, 2):
        bits = int(rng.integers(2, hi + 1))
        return quantized_relu(bits, int(rng.integers(0, min(bits, 6) + 1)))
    return random_bits_quantizer(rng, hi=hi)


def random_keras_mlp(rng: np.random.Generator, max_bits: int = 16, dtype: str = "float64",
                     name: str = "random_mlp") -> keras.Model:
    """An MLP with random widths (2..max_bits), integer bits, signedness and depth; random weights."""
    n_in = int(rng.integers(1, 12))
    layers = [keras.Input((n_in,), dtype=dtype, name="x"),
              QActivation(random_bits_quantizer(rng, hi=max_bits), dtype=dtype, name="input_q")]
    for k in range(int(rng.integers(1, 4))):
        layers.append(QDense(int(rng.integers(1, 12)), name=f"dense-{k}.q",  # names must be legalised
                             kernel_quantizer=random_bits_quantizer(rng, hi=max_bits, signed=True),
                             bias_quantizer=random_bits_quantizer(rng, hi=max_bits, signed=True),
                             activation=random_activation(rng, hi=max_bits), dtype=dtype))
    model = keras.Sequential(layers, name=name)
    model.set_weights([rng.normal(0.0, 1.0, size=w.shape) for w in model.get_weights()])
    return model
