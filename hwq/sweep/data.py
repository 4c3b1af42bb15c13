"""The sweep's data file: a NumPy .npz with

- x_test, y_test (required): inputs, and labels as class indices (batch,) or one-hot (batch, classes);
  accuracy is the fraction of argmax(model(x_test)) equal to the label;
- x_train, y_train (optional): used for fine-tuning when --epochs > 0 (else x_test/y_test are used,
  which the report then says).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class SweepData:
    x_test: np.ndarray
    y_test: np.ndarray  # class indices
    x_train: np.ndarray | None
    y_train: np.ndarray | None


def labels(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    return np.argmax(y, axis=-1) if y.ndim > 1 else y.astype(np.int64)


def load_data(path: str | Path) -> SweepData:
    with np.load(path) as f:
        missing = {"x_test", "y_test"} - set(f.files)
        if missing:
            raise ValueError(f"{path}: missing {', '.join(sorted(missing))} (it has {', '.join(f.files)})")
        train = ("x_train" in f.files and "y_train" in f.files)
        return SweepData(f["x_test"], labels(f["y_test"]),
                         f["x_train"] if train else None, labels(f["y_train"]) if train else None)


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    pred = model.predict(x, batch_size=1024, verbose=0)
    return float(np.mean(np.argmax(pred.reshape(len(x), -1), axis=1) == y))
