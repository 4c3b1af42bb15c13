"""BinaryToThermometer (QKeras' b2t): integer codes -> one-hot ("thermometer") classes, optionally with the
remainder of each code kept as a fraction.

A code x in [0, value_range) falls in class floor(x / step), step = value_range / classes. The result has one
more trailing axis of `classes` entries (QKeras' to_categorical rule: a trailing input axis of size 1 is
replaced, not kept), or that axis merged into the last one with merge_with_channels:

    plain one-hot                      1 in the class
    with_residue                       1 + r in the class, r = (x - class·step) / step in [0, 1)
    with_residue, use_two_hot_encoding 1 - r in the class and r in the next one (classes + 1 entries, so the
                                       top codes have a class to share with)

The arithmetic is float32 and in QKeras' order, so the values are the same to the last bit.
"""

from __future__ import annotations

import numpy as np


def BinaryToThermometer(x: np.ndarray, classes: int, value_range: float, with_residue: bool = False,
                        merge_with_channels: bool = False, use_two_hot_encoding: bool = False) -> np.ndarray:
    """The thermometer code of `x` (float32); see the module docstring. Codes outside the classes (negative, or
    from value_range on; up to value_range itself with two-hot encoding) raise ValueError."""
    if int(classes) != classes or classes < 1:
        raise ValueError(f"BinaryToThermometer: classes={classes!r}, expected a positive integer")
    if not value_range > 0:
        raise ValueError(f"BinaryToThermometer: value_range={value_range!r}, expected a positive number")
    x = np.asarray(x).astype(np.float32)
    n_classes = int(classes) + int(bool(use_two_hot_encoding))
    step = value_range / classes
    low = np.floor(x / step)
    table = _one_hot(low, n_classes, x)
    if with_residue:
        residue = (x - low * step) / step
        if use_two_hot_encoding:
            table = table * (1.0 - residue)[..., None] + _one_hot(np.ceil(x / step), n_classes, x) * residue[..., None]
        else:
            table = table + table * residue[..., None]
    table = table.astype(np.float32)
    if x.ndim > 1 and x.shape[-1] == 1:
        table = table.reshape(x.shape[:-1] + (n_classes,))  # to_categorical's rule for a trailing axis of 1
    elif merge_with_channels and x.ndim > 0:
        table = table.reshape(x.shape[:-1] + (x.shape[-1] * n_classes,))
    return table


def _one_hot(index: np.ndarray, n_classes: int, x: np.ndarray) -> np.ndarray:
    bad = (index < 0) | (index >= n_classes) | ~np.isfinite(index)
    if np.any(bad):
        value = float(x[bad].ravel()[0])
        raise ValueError(f"BinaryToThermometer: code {value:g} is outside the {n_classes} classes (codes run from "
                         "0 to below value_range)")
    return (index[..., None] == np.arange(n_classes, dtype=np.float32)).astype(np.float32)


__all__ = ["BinaryToThermometer"]
