"""energy_estimate: the Horowitz energy of every layer of a data type map (QKeras' `qtools.qenergy`).

Each layer costs reading its inputs, writing its output, reading its weights and bias, and, for a
dense or convolution layer, its multiply-accumulates; QTools.pe reports these four parts.
"""

from __future__ import annotations

from math import prod
from typing import Any

from hwq.qtools import energy_model as em
from hwq.qtools.datatype_map import MAC_LAYERS
from hwq.qtools.qtools_util import get_val


class Memory:
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


def energy_estimate(model, layer_map: dict[str, Any], weights_on_memory: str, activations_on_memory: str,
                    min_sram_size: int, rd_wr_on_io: bool, process: em.Process | None = None) -> dict[str, Any]:
    """{layer name: {"class_name", "energy": {inputs, outputs, parameters, op_cost}}} in pJ rounded to
    0.01, plus "total_cost", the sum of all parts of all layers (an int). layer_map is a
    generate_layer_data_type_map result; the process defaults to the one `settings.cfg` describes."""
    if process is None:
        from hwq.qtools.settings import cfg

        process = cfg.energy_process()
    memory = Memory(weights_on_memory, activations_on_memory, min_sram_size, rd_wr_on_io, process)
    features = layer_map["layer_data_type_map"]
    inputs, outputs = set(map(id, layer_map["input_layers"])), set(map(id, layer_map["output_layers"]))
    result: dict[str, Any] = {}
    total = 0.0
    for layer in model.layers:
        if layer not in features:
            continue
        parts = layer_energy(layer, features[layer], id(layer) in inputs, id(layer) in outputs, memory)
        total += sum(parts.values())
        result[layer.name] = {"class_name": type(layer).__name__,
                              "energy": {k: em.round_pj(v) for k, v in parts.items()}}
    result["total_cost"] = int(total)
    return result


def layer_energy(layer, feature: Any, is_input: bool, is_output: bool, memory: Memory) -> dict[str, float]:
    """The four parts (pJ, unrounded) for one layer."""
    tensors = layer.input if isinstance(layer.input, list | tuple) else [layer.input]
    inputs = sum(memory.read(_size(t.shape[1:]) * q.bits, memory.activations, is_input)
                 for t, q in zip(tensors, get_val(feature, "input_quantizer_list"), strict=True))
    output = get_val(feature, "output_quantizer")
    outputs = memory.write(_size(get_val(feature, "output_shapes")[1:]) * output.bits, memory.activations, is_output)
    parameters = op_cost = 0.0
    for quantizer, shape in (("weight_quantizer", "w_shapes"), ("bias_quantizer", "b_shapes")):
        q = get_val(feature, quantizer)
        if q is not None:
            parameters += memory.read(_size(get_val(feature, shape)) * q.bits, memory.weights)
    multiplier, accumulator = get_val(feature, "multiplier"), get_val(feature, "accumulator")
    if type(layer).__name__ in MAC_LAYERS and multiplier is not None and accumulator is not None:
        m, acc = multiplier, accumulator.output
        op_cost = em.mac_energy(get_val(feature, "operation_count"), m.implemented_as(), m.gate_factor,
                                m.gate_bits, acc.bits, m.output.bits if m.output.is_float else None,
                                acc.bits if acc.is_float else None, memory.process)
    return {"inputs": inputs, "outputs": outputs, "parameters": parameters, "op_cost": op_cost}


def _size(shape) -> int:
    return int(prod(int(d) for d in shape)) if shape else 1


__all__ = ["energy_estimate", "layer_energy", "Memory"]
