"""config_settings: the settings QTools applies to `settings.cfg` each time it is built (QKeras' way to
configure qtools: edit this dictionary, then build the QTools).

Keys: the default quantizers of model inputs and of layers without one, the energy polynomials of
each process (highest power first) and, per layer class, the energy parts that count in a total.
"""

from __future__ import annotations

from typing import Any

from hwq.qtools import energy_model as em
from hwq.qtools.datatype_map import DEFAULT_INTERM_QUANTIZER, DEFAULT_SOURCE_QUANTIZER


def process_settings(process: em.Process) -> dict[str, list[float]]:
    """A process's polynomials under QKeras' names (fpm_*: integer arithmetic; sram_rd per 64-bit word,
    dram_rd of the number of bits)."""
    return {"fpm_add": list(process.int_add), "fpm_mul": list(process.int_mul),
            "fp16_add": list(process.fp16_add), "fp16_mul": list(process.fp16_mul),
            "fp32_add": list(process.fp32_add), "fp32_mul": list(process.fp32_mul),
            "sram_rd": list(process.sram_access), "dram_rd": list(process.dram_bit)}


def default_config_settings() -> dict[str, Any]:
    """A fresh copy of the shipped settings (the dictionary below starts as one)."""
    settings: dict[str, Any] = {"default_source_quantizer": DEFAULT_SOURCE_QUANTIZER,
                                "default_interm_quantizer": DEFAULT_INTERM_QUANTIZER}
    settings.update({name: process_settings(process) for name, process in em.PROCESSES.items()})
    settings["include_energy"] = {k: list(v) for k, v in em.DEFAULT_INCLUDE_ENERGY.items()}
    return settings


config_settings: dict[str, Any] = default_config_settings()

__all__ = ["config_settings", "default_config_settings", "process_settings"]
