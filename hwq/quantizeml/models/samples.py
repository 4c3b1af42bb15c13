"""Calibration samples: arrays, datasets or generators cut into batches, or random 8-bit integers."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

DEFAULT_BATCH_SIZE = 32  # Keras' default for predict, which QuantizeML calibrates with


def random_samples(input_shape: tuple, num_samples: int, seed: int = 0) -> np.ndarray:
    """QuantizeML's random samples: uint8 images when there are 1 or 3 channels, else int8 values."""
    shape = (num_samples, *input_shape)
    rng = np.random.default_rng(seed)
    if input_shape[-1] in (1, 3):
        return rng.integers(0, 256, size=shape).astype(np.uint8)
    return rng.integers(-128, 128, size=shape).astype(np.int8)


def batches(samples, num_samples: int, batch_size: int | None) -> Iterator[np.ndarray]:
    """At most num_samples samples, in batches. An array is cut into batch_size rows (default 32); a dataset
    or an iterable yields batches itself (x, or (x, y) pairs whose x is kept), cut to num_samples in total."""
    if isinstance(samples, np.ndarray | list) or hasattr(samples, "__array__") and not hasattr(samples, "take"):
        array = np.asarray(samples)[:num_samples]
        size = batch_size or DEFAULT_BATCH_SIZE
        for start in range(0, len(array), size):
            yield array[start:start + size]
        return
    if batch_size is not None and hasattr(samples, "unbatch"):
        samples = samples.unbatch().batch(batch_size)
    seen = 0
    for element in samples:
        x = np.asarray(element[0] if isinstance(element, tuple | list) else element)
        x = x[:num_samples - seen]
        seen += len(x)
        yield x
        if seen >= num_samples:
            return


def count(samples, num_samples: int) -> int | None:
    """How many samples calibration will see per epoch, when it is known in advance."""
    if isinstance(samples, np.ndarray | list):
        return min(num_samples, len(samples))
    return None
