"""AutoQKeras: search the quantization (and optionally the widths and learning rate) of a float Keras model.

    autoqk = AutoQKeras(model, metrics=["acc"], goal=goal, quantization_config=config, limit=limit,
                        mode="random", max_trials=20, output_dir="result")
    autoqk.fit(x, y, validation_data=(xv, yv), epochs=10)
    qmodel = autoqk.get_best_model()          # rebuilt from the best hyperparameters, compiled, untrained

Each trial trains a quantized copy of `model` (its optimizer and loss) and is ranked by val_score, the first
metric adjusted by the forgiving factor of `goal` ("bits" or "energy"). keras-tuner runs the search and keeps
its project folder at output_dir (a fresh name output_dir_1, _2, ... if it exists and overwrite is set).
"""

from __future__ import annotations

import os
from typing import Any

import keras
import keras_tuner as kt

from hwq.autoqkeras.forgiving import ForgivingFactor, forgiving_factor
from hwq.autoqkeras.hypermodel import AutoQKHyperModel
from hwq.autoqkeras.training import early_stopping_callbacks, learning_rate_of
from hwq.autoqkeras.tuners import MODES, tuner_class


def default_goal() -> dict[str, Any]:
    """8 % of the metric forgiven per halving of the bits of parameters and activations (8-bit reference)."""
    return {"type": "bits",
            "params": {"delta_p": 8.0, "delta_n": 8.0, "rate": 2.0, "stress": 1.0, "input_bits": 8,
                       "output_bits": 8, "ref_bits": 8, "config": {"default": ["parameters", "activations"]}}}


def make_target(goal: dict[str, Any] | ForgivingFactor | None) -> ForgivingFactor:
    """The forgiving factor a goal dict describes (or the one given)."""
    if isinstance(goal, ForgivingFactor):
        return goal
    goal = goal or default_goal()
    try:
        factory = forgiving_factor[goal["type"]]
    except KeyError:
        raise ValueError(f"goal type must be one of {sorted(forgiving_factor)}, got {goal.get('type')!r}") from None
    return factory(**goal.get("params", {}))


def unique_output_dir(output_dir: str, overwrite: bool) -> str:
    """output_dir, or with overwrite the first of output_dir_1, _2, ... that does not exist yet."""
    name, index = output_dir, 0
    while overwrite and os.path.exists(name):
        index += 1
        name = f"{output_dir}_{index}"
    return name


class AutoQKeras:
    """QKeras' AutoQKeras on hwq: see the module text. tuner_kwargs go to the keras-tuner Tuner (max_trials,
    seed, max_epochs for hyperband, distribution_strategy, executions_per_trial, directory, ...)."""

    def __init__(self, model: keras.Model, metrics: Any = None, custom_objects: dict | None = None,
                 goal: dict | ForgivingFactor | None = None, output_dir: str = "result", mode: str = "random",
                 custom_tuner: Any = None, transfer_weights: bool = False, frozen_layers: list[str] | None = None,
                 activation_bits: int = 4, limit: dict | None = None, tune_filters: str = "none",
                 tune_filters_exceptions: str | None = None, learning_rate_optimizer: bool = False,
                 layer_indexes: Any = None, quantization_config: dict | None = None, overwrite: bool = True,
                 head_name: str | None = None, score_metric: str | None = None, **tuner_kwargs: Any) -> None:
        arguments = dict(locals())  # what a custom tuner gets as autoqkeras_config
        arguments.pop("self")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {sorted(MODES)}, got {mode!r}")
        self.overwrite = overwrite
        self.head_name = head_name
        self.hypermodel = AutoQKHyperModel(
            model, metrics or ["acc"], custom_objects or {}, make_target(goal), transfer_weights=transfer_weights,
            frozen_layers=frozen_layers, activation_bits=activation_bits, limit=limit, tune_filters=tune_filters,
            tune_filters_exceptions=tune_filters_exceptions, layer_indexes=layer_indexes,
            learning_rate_optimizer=learning_rate_optimizer, head_name=head_name,
            quantization_config=quantization_config)
        self.output_dir = unique_output_dir(output_dir, overwrite)
        if score_metric is None:
            score_metric = f"val_{head_name}_score" if head_name else "val_score"
        objective = kt.Objective(score_metric, "max")
        if custom_tuner is not None:
            tuner_kwargs["autoqkeras_config"] = arguments
        self.tuner = tuner_class(mode, custom_tuner)(self.hypermodel, objective=objective,
                                                     project_name=self.output_dir, **tuner_kwargs)
        self.tuner.search_space_summary()

    def fit(self, *fit_args: Any, **fit_kwargs: Any) -> None:
        """Runs the search: fit's arguments go to every trial's model.fit (validation data is needed for
        val_score); a val_loss EarlyStopping is added unless the callbacks have one."""
        epochs = fit_kwargs.get("epochs") or 10
        fit_kwargs["callbacks"] = early_stopping_callbacks(fit_kwargs.get("callbacks"), epochs)
        self.tuner.search(*fit_args, **fit_kwargs)

    def history(self, number_of_trials: int = -1) -> dict[str, list[float]]:
        """Per completed trial, best first: "score", each metric and its "val_" twin, and "trial_size"."""
        trials = self.tuner.oracle.get_best_trials(len(self.tuner.oracle.trials) if number_of_trials < 0
                                                   else number_of_trials)
        trials = [t for t in trials if t.score is not None]
        result: dict[str, list[float]] = {"score": [float(t.score) for t in trials]}
        size_key = f"{self.head_name}_trial" if self.head_name else "trial"
        for trial in trials:
            names = trial.metrics.metrics
            for key in names:
                if key in ("score", "loss", "trial") or key.startswith("val_") or f"val_{key}" not in names:
                    continue
                result.setdefault(key, []).append(_first_value(trial, key))
                result.setdefault(f"val_{key}", []).append(_first_value(trial, f"val_{key}"))
        result["trial_size"] = [_first_value(t, size_key) for t in trials if t.metrics.exists(size_key)]
        return result

    @staticmethod
    def get_best_lr(qmodel: keras.Model) -> float:
        """The learning rate a model was compiled with."""
        return learning_rate_of(qmodel.optimizer)

    def get_best_model(self) -> keras.Model:
        """The best trial's quantized model, rebuilt (and compiled) from its hyperparameters."""
        params = self.tuner.get_best_hyperparameters()[0]
        q_model = self.tuner.hypermodel.build(params)
        self.learning_rate = learning_rate_of(q_model.optimizer)
        return q_model

    def get_learning_rate(self) -> float:
        return self.learning_rate


def _first_value(trial: Any, name: str) -> float:
    return float(trial.metrics.get_history(name)[0].mean())


__all__ = ["AutoQKeras", "default_goal", "make_target", "unique_output_dir"]
