"""QTools: QKeras' data type map and energy estimate of a quantized Keras model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hwq.qtools import energy_model as em
from hwq.qtools.config_public import config_settings
from hwq.qtools.datatype_map import LayerTypes, MapSettings, datatype_map, source_types
from hwq.qtools.interface import map_to_json
from hwq.qtools.layer_data_type import qkeras_layer_map
from hwq.qtools.qenergy import energy_estimate
from hwq.qtools.settings import cfg


class QTools:
    """QKeras' QTools interface: `pe()` prices every layer in pJ, `extract_energy_sum()` adds up the
    parts `include_energy` selects, `qtools_stats_to_json()` writes the data type map.

    As in QKeras, building a QTools first applies `config_public.config_settings` to `settings.cfg`,
    then reads the default quantizers and (for a process given by name) the energy polynomials from cfg.
    """

    def __init__(self, model, process: str | em.Process = "horowitz", source_quantizers: Any = None,
                 is_inference: bool = False, weights_path: str | None = None, keras_quantizer: Any = None,
                 keras_accumulator: Any = None, for_reference: bool = False,
                 model_weights_already_quantized: bool = True, hw_weight_dict: dict | None = None) -> None:
        if hw_weight_dict is not None:
            raise NotImplementedError("hw_weight_dict (fused batch normalization weights) is not modelled "
                                      "by hwq's qtools")
        if weights_path is not None:
            model.load_weights(weights_path)
        self._model = model
        self.process = _configured_process(process)
        self._settings = MapSettings(is_inference, keras_quantizer, keras_accumulator, for_reference,
                                     cfg.default_source_quantizer, cfg.default_interm_quantizer)
        self.source_quantizer_list = source_types(model, source_quantizers, self._settings.source_quantizer)
        self._types: dict[str, LayerTypes] = datatype_map(model, source_quantizers, self._settings)
        self._layer_map = qkeras_layer_map(model, self.source_quantizer_list, self._types)
        self._output_dict = map_to_json(self._layer_map)

    @property
    def layer_map(self) -> dict[str, LayerTypes]:
        """hwq's data type map, by layer name (QKeras' form, keyed by layer, is `_layer_map`)."""
        return self._types

    def qtools_stats_to_json(self, json_name: str | Path) -> None:
        Path(json_name).write_text(json.dumps(self._output_dict, indent=4))

    def qtools_stats_print(self) -> None:
        print(json.dumps(self._output_dict, indent=4))

    def pe(self, weights_on_memory: str = "dram", activations_on_memory: str = "dram", min_sram_size: int = 0,
           rd_wr_on_io: bool = True, verbose: bool = False) -> dict[str, Any]:
        """Energy of every layer: {name: {"class_name", "energy": {inputs, outputs, parameters, op_cost}}}
        in pJ rounded to 0.01, plus "total_cost", the sum of all four parts of all layers (an int)."""
        result = energy_estimate(self._model, self._layer_map, weights_on_memory, activations_on_memory,
                                 min_sram_size, rd_wr_on_io, self.process)
        if verbose:
            print("COST:")
            print(json.dumps(result, indent=4))
        return result

    def extract_energy_sum(self, cfg_setting: dict[str, list[str]], energy_dict: dict[str, Any]) -> int:
        """The sum over layers of the parts cfg_setting names for each layer's class (else its 'default')."""
        profile = self.extract_energy_profile(cfg_setting, energy_dict)
        return int(sum(layer["total"] for layer in profile.values()))

    def extract_energy_profile(self, cfg_setting: dict[str, list[str]], energy_dict: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, item in energy_dict.items():
            if name == "total_cost":
                continue
            keys = em.included_parts(cfg_setting, item["class_name"])
            out[name] = {"energy": item["energy"], "total": sum(item["energy"][k] for k in keys)}
        return out


def _configured_process(process: str | em.Process) -> em.Process:
    """A Process object is used as given; a name must be known, and then cfg (refreshed from
    config_settings, as QKeras does) supplies its polynomials."""
    if isinstance(process, em.Process):
        return process
    if process not in config_settings and process not in em.PROCESSES:
        raise ValueError(f"unknown process {process!r}; known: {', '.join(sorted(em.PROCESSES))}")
    cfg.update(process, config_settings)
    return cfg.energy_process()
