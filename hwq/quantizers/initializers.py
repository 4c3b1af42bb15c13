"""Weight helpers QKeras exports next to its quantizers: scaled initializers and the scale of binary/ternary weights."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np


def get_quantized_initializer(w_initializer: Any, w_range: float) -> Any:
    """Scale a named initializer to weights in [−w_range, w_range]; anything else is returned unchanged.

    he_* use variance scale 2·w_range over fan_in, glorot_* w_range over the fan average,
    random_uniform U(−w_range, w_range).
    """
    if not isinstance(w_initializer, str):
        return w_initializer
    variance = {
        "he_normal": (2.0 * w_range, "fan_in", "normal"),
        "he_uniform": (2.0 * w_range, "fan_in", "uniform"),
        "glorot_normal": (w_range, "fan_avg", "normal"),
        "glorot_uniform": (w_range, "fan_avg", "uniform"),
    }
    if w_initializer in variance:
        scale, mode, distribution = variance[w_initializer]
        return keras.initializers.VarianceScaling(scale=scale, mode=mode, distribution=distribution)
    if w_initializer == "random_uniform":
        return keras.initializers.RandomUniform(-w_range, w_range)
    return w_initializer


def get_weight_scale(quantizer: Any, x: Any = None) -> np.ndarray | float:
    """The scale the quantizer last used (per channel for 'auto'/'auto_po2'), or 1.0 when it has none.

    `x` is accepted, and ignored, for compatibility with QKeras' signature.
    """
    scale = getattr(quantizer, "scale", None)
    if scale is None:
        return 1.0
    return np.asarray(scale.numpy() if hasattr(scale, "numpy") else scale)
