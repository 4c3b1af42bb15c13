"""ForgivingFactor: how much a trial's metric is boosted (or docked) for being cheaper (or dearer) than the
reference model.

With r = reference cost / trial cost, the score of a trial is metric · (1 + delta) where

    delta = delta_p · log(r) / log(rate)   when the trial is cheaper (r > 1),
    delta = delta_n · log(r) / log(rate)   otherwise (r <= 1, so delta <= 0),

delta_p and delta_n given in percent: "delta_p=8, rate=2" forgives an 8 % lower accuracy for each halving of
the cost. Subclasses say what a cost is (bits, energy) through get_reference and get_trial.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class ForgivingFactor:
    """The base of the cost metrics; subclasses implement get_reference, get_trial and get_reference_stats."""

    reference_size: float
    trial_size: float

    def __init__(self, delta_p: float, delta_n: float, rate: float) -> None:
        # float32 as in QKeras, so a score computed here and one computed there agree to the last digit
        self.delta_p = np.float32(delta_p) / 100.0
        self.delta_n = np.float32(delta_n) / 100.0
        self.rate = np.float32(rate)

    def get_reference(self, model: Any) -> float:
        """The cost of the reference (unquantized) model, stress applied; computed once."""
        raise NotImplementedError(f"{type(self).__name__} does not say how to price a reference model")

    def get_trial(self, model: Any) -> float:
        """The cost of a quantized trial model (remembered as trial_size for delta())."""
        raise NotImplementedError(f"{type(self).__name__} does not say how to price a trial model")

    def get_reference_stats(self) -> dict[str, Any]:
        """Per layer {name: {..., "total": cost}} of the reference, which the scheduler sums per block."""
        raise NotImplementedError(f"{type(self).__name__} keeps no per-layer reference costs")

    def get_total_factor(self) -> float:
        """(trial - reference) / reference: negative for a cheaper trial; AutoQKeras lowers the learning rate
        range by it when it tunes the learning rate."""
        return float((self.trial_size - self.reference_size) / self.reference_size)

    def delta(self) -> np.ndarray:
        """The score adjustment of the last trial priced against the reference (see the module text)."""
        steps = np.log(self.reference_size / self.trial_size) / np.log(self.rate)
        return np.where(self.trial_size < self.reference_size, self.delta_p * steps, self.delta_n * steps)

    def print_stats(self) -> None:
        print(f"stats: delta_p={self.delta_p} delta_n={self.delta_n} rate={self.rate} "
              f"trial_size={self.trial_size} reference_size={int(self.reference_size)}\n"
              f"       delta={100 * float(self.delta()):.2f}%")


__all__ = ["ForgivingFactor"]
