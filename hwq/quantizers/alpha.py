"""alpha: the scale setting of the linear and binary-style quantizers, and the scale a call stores.

alpha is None, a number, a per-channel array (kept as float32) or one of AUTO_ALPHAS, whose scales
come from the tensor at each call; eager_numpy turns such a computed scale into the value stored on
the quantizer (None while a graph is traced, so the last eager value stays).
"""

from __future__ import annotations

import numpy as np
from keras import ops

AUTO_ALPHAS = ("auto", "auto_po2")


def check_alpha(alpha):
    """None, a number, an array (kept as float32) or 'auto'/'auto_po2'."""
    if isinstance(alpha, str):
        if alpha not in AUTO_ALPHAS:
            raise ValueError(f"alpha must be None, a number, an array, 'auto' or 'auto_po2'; got {alpha!r}")
        return alpha
    if alpha is None or isinstance(alpha, (int, float, np.number)) and not isinstance(alpha, bool):
        return alpha
    try:
        return np.asarray(alpha.numpy() if hasattr(alpha, "numpy") else alpha, dtype=np.float32)
    except (TypeError, ValueError):
        raise ValueError(f"alpha must be None, a number, an array, 'auto' or 'auto_po2'; got {alpha!r}") from None


def eager_numpy(t):
    """t as numpy when it has a value; None while a graph is traced."""
    if not hasattr(t, "shape") or isinstance(t, np.ndarray):
        return t
    try:
        return ops.convert_to_numpy(t)
    except (NotImplementedError, AttributeError, ValueError):  # symbolic: no value yet
        return None
