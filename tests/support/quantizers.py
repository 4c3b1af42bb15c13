"""Calling a quantizer on plain numbers in tests."""

from __future__ import annotations

import numpy as np


def run(q, x, **call) -> np.ndarray:
    """q(x) on float32 x (keyword arguments, e.g. training=True, go to the call), as numpy."""
    return np.asarray(q(np.asarray(x, dtype=np.float32), **call))
