"""The metrics AutoQKeras adds to every trial: `score` (the tuner's objective) and `trial` (the trial's cost).

score = metric · (1 + delta), delta from the forgiving factor, so a cheaper model may win with a slightly lower
metric. The metric is the user's first one; "acc"/"accuracy" picks binary, sparse-categorical or categorical
accuracy from the shapes of labels and predictions, as Keras' own "accuracy" does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

MetricFunction = Callable[[Any, Any], Any]


def _accuracy(y_true: Any, y_pred: Any) -> Any:
    true_rank, pred_rank = len(y_true.shape), len(y_pred.shape)
    true_last, pred_last = y_true.shape[-1], y_pred.shape[-1]
    if pred_last == 1:
        return keras.metrics.binary_accuracy(y_true, y_pred)
    if true_rank < pred_rank or (true_last == 1 and pred_last > 1):
        return keras.metrics.sparse_categorical_accuracy(y_true, y_pred)
    return keras.metrics.categorical_accuracy(y_true, y_pred)


def metric_function(metric: Any) -> MetricFunction:
    """The per-sample function behind a metric given as compile() takes it (None means accuracy)."""
    if metric is None or metric in ("acc", "accuracy"):
        return _accuracy
    if isinstance(metric, str):
        function = keras.metrics.get(metric)
        if isinstance(function, keras.metrics.Metric) or not callable(function):
            raise ValueError(f"AutoQKeras scores trials with a per-sample metric function; {metric!r} is a "
                             "stateful Keras metric. Put a function metric (or 'acc') first in `metrics`")
        return function
    if isinstance(metric, keras.metrics.Metric):
        raise ValueError(f"AutoQKeras scores trials with a per-sample metric function, not the stateful metric "
                         f"{metric.name!r}; put a function metric (or 'acc') first in `metrics`")
    return metric


def adjusted_score(delta: float, metric: Any = None) -> MetricFunction:
    """The `score` metric: the chosen metric times (1 + delta)."""
    base, factor = metric_function(metric), float(1.0 + delta)

    def score(y_true, y_pred):
        return ops.cast(base(y_true, y_pred) * factor, keras.config.floatx())

    return score


def trial_size_metric(trial_size: float) -> MetricFunction:
    """The `trial` metric: the trial's cost (bits or pJ) as a constant, so it is logged with the run."""
    size = float(trial_size)

    def trial(y_true, y_pred):
        return ops.cast(ops.ones_like(y_pred[..., 0]) * size, keras.config.floatx())

    return trial


__all__ = ["adjusted_score", "trial_size_metric", "metric_function"]
