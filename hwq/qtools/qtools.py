"""QTools: QKeras' data type map and energy estimate of a quantized Keras model."""

from __future__ import annotations

import json
from math import prod
from pathlib import Path
from typing import Any

from hwq.qtools import energy_model as em
from hwq.qtools.datatype_map import MAC_LAYERS, LayerTypes, MapSettings, datatype_map, source_types


class QTools:
    """QKeras' QTools interface: `pe()` prices every layer in pJ, `extract_energy_sum()` adds up the
    parts `include_energy` selects, `qtools_stats_to_json()` writes the data type map."""

    def __init__(self, model, process: str = "horowitz", source_quantizers: Any = None, is_inference: bool = False,
                 weights_path: str | None = None, keras_quantizer: Any = None, keras_accumulator: Any = None,
                 for_reference: bool = False) -> None:
        if weights_path is not None:
            model.load_weights(weights_path)
        self._model = model
        self.process = em.process_named(process)
        self.source_quantizer_list = source_types(model, source_quantizers)
        self._settings = MapSettings(is_inference, keras_quantizer, keras_accumulator, for_reference)
        self._layer_map: dict[str, LayerTypes] = datatype_map(model, source_quantizers, self._settings)
        self._output_dict = self._to_dict()

    @property
    def layer_map(self) -> dict[str, LayerTypes]:
        return self._layer_map

    def _to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"source_quantizers": [q.to_json() for q in self.source_quantizer_list]}
        d.update({name: entry.to_json() for name, entry in self._layer_map.items()})
        return d

    def qtools_stats_to_json(self, json_name: str | Path) -> None:
        Path(json_name).write_text(json.dumps(self._output_dict, indent=4))

    def qtools_stats_print(self) -> None:
        print(json.dumps(self._output_dict, indent=4))

    def pe(self, weights_on_memory: str = "dram", activations_on_memory: str = "dram", min_sram_size: int = 0,
           rd_wr_on_io: bool = True, verbose: bool = False) -> dict[str, Any]:
        """Energy of every layer: {name: {"class_name", "energy": {inputs, outputs, parameters, op_cost}}}
        in pJ rounded to 0.01, plus "total_cost", the sum of all four parts of all layers (an int)."""
        memory = _Memory(weights_on_memory, activations_on_memory, min_sram_size, rd_wr_on_io, self.process)
        result: dict[str, Any] = {}
        total = 0.0
        for name, entry in self._layer_map.items():
            parts = layer_energy(entry, memory)
            total += sum(parts.values())
            result[name] = {"class_name": entry.class_name, "energy": {k: em.round_pj(v) for k, v in parts.items()}}
        result["total_cost"] = int(total)
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


class _Memory:
    """Where weights and activations live, and the memory model's settings."""

    def __init__(self, weights: str, activations: str, min_sram_size: int, rd_wr_on_io: bool,
                 process: em.Process) -> None:
        for what, where in (("weights_on_memory", weights), ("activations_on_memory", activations)):
            if where not in em.MEMORIES:
                raise ValueError(f"{what} must be one of {em.MEMORIES}, got {where!r}")
        self.weights, self.activations = weights, activations
        self.min_sram_size, self.rd_wr_on_io, self.process = min_sram_size, rd_wr_on_io, process

    def read(self, bits: float, memory: str, at_io: bool = False) -> float:
        return em.memory_read_energy(bits, memory, self.min_sram_size, self.rd_wr_on_io, at_io, self.process)

    def write(self, bits: float, memory: str, at_io: bool = False) -> float:
        return em.memory_write_energy(bits, memory, self.min_sram_size, self.rd_wr_on_io, at_io, self.process)


def layer_energy(entry: LayerTypes, memory: _Memory) -> dict[str, float]:
    """The four parts (pJ, unrounded) for one layer of the data type map."""
    inputs = sum(memory.read(_size(shape) * t.bits, memory.activations, entry.is_input)
                 for shape, t in zip(entry.input_shapes, entry.input_types, strict=True))
    outputs = memory.write(_size(entry.output_shape) * entry.output_type.bits, memory.activations, entry.is_output)
    parameters = op_cost = 0.0
    if entry.weight_type is not None:
        parameters += memory.read(_size(entry.weight_shape) * entry.weight_type.bits, memory.weights)
    if entry.bias_type is not None:
        parameters += memory.read(_size(entry.bias_shape) * entry.bias_type.bits, memory.weights)
    if entry.class_name in MAC_LAYERS and entry.multiplier is not None and entry.accumulator is not None:
        m, acc = entry.multiplier, entry.accumulator
        op_cost = em.mac_energy(entry.operation_count, m.kind, m.gate_factor, m.gate_bits, acc.bits,
                                m.output.bits if m.output.is_float else None,
                                acc.bits if acc.is_float else None, memory.process)
    return {"inputs": inputs, "outputs": outputs, "parameters": parameters, "op_cost": op_cost}


def _size(shape) -> int:
    return int(prod(int(d) for d in shape)) if shape else 1
