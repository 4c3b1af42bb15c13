"""record_quantization_variables: one call in recording mode, so that every recorder holds its value."""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.layers import recording


def record_quantization_variables(model: keras.Model, seed: int = 0) -> None:
    """Run the model once on a random sample of 8-bit integers (0..254, as QuantizeML) under recording(True):
    the quantized weights, shifts and scales each layer derives on the fly are then held by its recorders."""
    rng = np.random.default_rng(seed)
    inputs = [rng.integers(0, 255, size=(1, *t.shape[1:])).astype(np.float32) for t in model.inputs]
    with recording(True):
        model(inputs if len(inputs) > 1 else inputs[0])
