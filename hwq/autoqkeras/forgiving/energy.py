"""ForgivingFactorPower: a model's cost is its energy per inference in pJ, as hwq's qtools prices it.

The reference is priced with QTools(for_reference=True): every float layer at `reference_internal` values and
`reference_accumulator` sums (int8 / int32, say, for a fair 8-bit baseline); a trial with QTools on its own
quantizers, float layers again at the reference types. Each is the sum over layers of the energy parts
`hwq.qtools.settings.cfg.include_energy` selects (a convolution's input, weights and MACs, an activation's output,
...). The first entry of each two-element memory setting is for the reference, the second for trials.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from hwq.autoqkeras.forgiving.factor import ForgivingFactor
from hwq.qtools import QTools
from hwq.qtools.settings import cfg

MEMORIES = ("dram", "sram", "fixed")
REFERENCE_INTERNAL = ("fp16", "fp32", "int8")
REFERENCE_ACCUMULATOR = ("int16", "int32", "fp16", "fp32")


class ForgivingFactorPower(ForgivingFactor):
    """Cost = qtools energy (QKeras' "energy" goal). Keyword settings, with QKeras' defaults:

    process ("horowitz"), parameters_on_memory (["fixed", "fixed"]), activations_on_memory (["dram", "dram"]),
    min_sram_size ([0, 0]), rd_wr_on_io ([True, True]), source_quantizers (None: qtools' default input type),
    trained_model (False), reference_internal ("fp32"), reference_accumulator ("fp32"); config_json is accepted
    and ignored (hwq's qtools reads hwq.qtools.settings.cfg).
    """

    def __init__(self, delta_p: float, delta_n: float, rate: float, stress: float = 1.0, **kwargs: Any) -> None:
        super().__init__(delta_p, delta_n, rate)
        self.stress = stress
        self.process = kwargs.get("process", "horowitz")
        self.parameters_on_memory = list(kwargs.get("parameters_on_memory", ["fixed"] * 2))
        self.activations_on_memory = list(kwargs.get("activations_on_memory", ["dram"] * 2))
        self.min_sram_size = list(kwargs.get("min_sram_size", [0] * 2))
        self.rd_wr_on_io = list(kwargs.get("rd_wr_on_io", [True] * 2))
        self.config_json = kwargs.get("config_json")
        self.source_quantizers = kwargs.get("source_quantizers")
        self.trained_model = kwargs.get("trained_model", False)
        self.reference_internal = kwargs.get("reference_internal", "fp32")
        self.reference_accumulator = kwargs.get("reference_accumulator", "fp32")
        self.reference_size: float | None = None  # type: ignore[assignment]  (None until priced)
        self.ref_energy_dict: dict | None = None
        self.trial_energy_dict: dict | None = None
        for what in ("parameters_on_memory", "activations_on_memory"):
            if any(m not in MEMORIES for m in getattr(self, what)):
                raise ValueError(f"{what} entries must be among {MEMORIES}, got {getattr(self, what)!r}")
        if self.reference_internal not in REFERENCE_INTERNAL:
            raise ValueError(f"reference_internal must be one of {REFERENCE_INTERNAL}, got {self.reference_internal!r}")
        if self.reference_accumulator not in REFERENCE_ACCUMULATOR:
            raise ValueError(f"reference_accumulator must be one of {REFERENCE_ACCUMULATOR}, "
                             f"got {self.reference_accumulator!r}")

    def _price(self, model: Any, for_reference: bool) -> tuple[dict, float, dict]:
        which = 0 if for_reference else 1
        q = QTools(model, process=self.process,
                   source_quantizers=self.reference_internal if for_reference else self.source_quantizers,
                   is_inference=self.trained_model, weights_path=None, keras_quantizer=self.reference_internal,
                   keras_accumulator=self.reference_accumulator, for_reference=for_reference)
        energy = q.pe(weights_on_memory=self.parameters_on_memory[which],
                      activations_on_memory=self.activations_on_memory[which],
                      min_sram_size=self.min_sram_size[which], rd_wr_on_io=self.rd_wr_on_io[which])
        return (energy, q.extract_energy_sum(cfg.include_energy, energy),
                q.extract_energy_profile(cfg.include_energy, energy))

    def get_reference(self, model: Any) -> float:
        """The stressed reference energy (pJ); priced once, on the first model given."""
        if self.reference_size is None:
            self.ref_energy_dict, energy, self.reference_energy_profile = self._price(model, for_reference=True)
            self.reference_energy = energy
            # stress scales the reference delta() compares against, as it does for the bits goal
            self.reference_size = energy * self.stress
        return self.reference_size

    def get_trial(self, model: Any) -> float:
        self.trial_energy_dict, self.trial_size, self.trial_energy_profile = self._price(model, for_reference=False)
        return self.trial_size

    def get_total_factor(self) -> float:
        return float((self.trial_size - self.reference_energy) / self.reference_energy)

    def get_reference_stats(self) -> dict[str, Any]:
        return self.reference_energy_profile

    def get_trial_stats(self) -> dict[str, Any]:
        return self.trial_energy_profile

    def print_stats(self, verbosity: int = 0) -> None:
        if self.ref_energy_dict and self.trial_energy_dict:
            super().print_stats()
        if verbosity > 0:
            for title, energy in (("Reference", self.ref_energy_dict), ("Trial", self.trial_energy_dict)):
                if energy:
                    print(f"{title} Cost Distribution:")
                    print(json.dumps(energy, indent=4))
        if self.ref_energy_dict and self.trial_energy_dict:
            change = np.round(100.0 * (self.trial_size - self.reference_energy) / self.reference_energy, 2)
            print(f"Total Cost Reduction:\n       {int(self.trial_size)} vs {int(self.reference_energy)} "
                  f"({change:.2f}%)")


__all__ = ["ForgivingFactorPower"]
