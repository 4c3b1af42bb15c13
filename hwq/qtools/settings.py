"""cfg: qtools' global settings (QKeras' `qtools.settings.cfg`), read by every QTools.

QTools first applies `config_public.config_settings` to cfg (as QKeras does), then takes from cfg the
default quantizers and the energy polynomials of its process. Fields cfg has but config_settings does
not name (such as a layer class added to include_energy) keep what the user set.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hwq.qtools import energy_model as em
from hwq.qtools.config_public import default_config_settings

POLYNOMIALS = ("fpm_add", "fpm_mul", "fp16_add", "fp16_mul", "fp32_add", "fp32_mul", "sram_rd", "dram_rd")


class ConfigClass:
    """The settings, under QKeras' field names; polynomials are numpy.poly1d (callable, highest power first)."""

    def __init__(self) -> None:
        shipped = default_config_settings()
        self.default_source_quantizer: Any = shipped["default_source_quantizer"]
        self.default_interm_quantizer: Any = shipped["default_interm_quantizer"]
        for name in POLYNOMIALS:
            setattr(self, name, np.poly1d(shipped["horowitz"][name]))
        self.sram_mul_factor = 1 / em.HOROWITZ.sram_word_bits  # SRAM words per bit
        self.dram_mul_factor = 1.0  # kept for QKeras' scripts; the DRAM figure is per bit already
        self.include_energy: dict[str, list[str]] = shipped["include_energy"]

    def update(self, process: str, cfg_setting: dict[str, Any]) -> None:
        """Take every field cfg_setting gives (the polynomials from cfg_setting[process]). An include_energy
        entry for a Q layer also sets its Keras twin ("QDense" sets "Dense")."""
        for name in ("default_source_quantizer", "default_interm_quantizer"):
            if name in cfg_setting:
                setattr(self, name, cfg_setting[name])
        for name, coefficients in cfg_setting.get(process, {}).items():
            if name in POLYNOMIALS:
                setattr(self, name, np.poly1d(coefficients))
        for class_name, parts in cfg_setting.get("include_energy", {}).items():
            self.include_energy[class_name] = list(parts)
            if class_name.startswith("Q"):
                self.include_energy[class_name[1:]] = list(parts)

    def energy_process(self) -> em.Process:
        """The energy model's Process these settings describe."""
        def coefficients(name: str) -> tuple[float, ...]:
            return tuple(float(c) for c in getattr(self, name).coeffs)

        return em.Process(int_add=coefficients("fpm_add"), int_mul=coefficients("fpm_mul"),
                          fp16_add=coefficients("fp16_add"), fp16_mul=coefficients("fp16_mul"),
                          fp32_add=coefficients("fp32_add"), fp32_mul=coefficients("fp32_mul"),
                          sram_access=coefficients("sram_rd"), dram_bit=coefficients("dram_rd"),
                          sram_word_bits=round(1 / self.sram_mul_factor))


cfg = ConfigClass()

__all__ = ["ConfigClass", "cfg"]
