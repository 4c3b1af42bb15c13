"""keras-tuner's tuners as AutoQKeras runs them (mode "random", "bayesian", "hyperband", or a custom class).

keras-tuner 1.4 imports tensorboard at the start of every trial on the TensorFlow backend, to patch TensorBoard
callbacks, and tensorflow 2.21 no longer installs tensorboard. These tuners import it only when a TensorBoard
callback is actually given, so a search without one runs with or without tensorboard installed.
"""

from __future__ import annotations

from typing import Any

import keras_tuner as kt


class _TensorBoardOnlyWhenUsed:
    def _configure_tensorboard_dir(self, callbacks: list, trial: Any, execution: int = 0) -> None:
        if any(type(c).__name__ == "TensorBoard" for c in callbacks):
            super()._configure_tensorboard_dir(callbacks, trial, execution)  # type: ignore[misc]


class RandomSearch(_TensorBoardOnlyWhenUsed, kt.RandomSearch):
    pass


class BayesianOptimization(_TensorBoardOnlyWhenUsed, kt.BayesianOptimization):
    pass


class Hyperband(_TensorBoardOnlyWhenUsed, kt.Hyperband):
    pass


MODES: dict[str, type] = {"random": RandomSearch, "bayesian": BayesianOptimization, "hyperband": Hyperband}


def tuner_class(mode: str, custom_tuner: type | None = None) -> type:
    """The tuner class for a mode, or the user's class with the same tensorboard behaviour."""
    if custom_tuner is not None:
        if issubclass(custom_tuner, _TensorBoardOnlyWhenUsed):
            return custom_tuner
        return type(custom_tuner.__name__, (_TensorBoardOnlyWhenUsed, custom_tuner), {})
    try:
        return MODES[mode]
    except KeyError:
        raise ValueError(f"mode must be one of {sorted(MODES)}, got {mode!r}") from None


__all__ = ["RandomSearch", "BayesianOptimization", "Hyperband", "MODES", "tuner_class"]
