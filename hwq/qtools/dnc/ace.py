"""QKeras' newer divide-and-conquer module (`qtools.DnC.divide_and_conquer`): a layer's area in gates, its
MACs priced by the ACE fit (hwq.qtools.dnc.ace_cost), its buffers held in registers and its weights in ROM;
each layer's input target follows from its output target and how it changes the pixel count.
"""

from __future__ import annotations

import enum
from typing import Any

from hwq.qtools.dnc import ace_cost, search
from hwq.qtools.dnc.graph import Choice, DivideConquerGraph, get_layer_info, weight_count
from hwq.qtools.dnc.search import (
    get_ComputeInElementPerClk,
    get_InBufferThru,
    get_InElementPerClk_base,
    get_OutBufferThru,
    get_pe_throughput,
    get_target_throughputs,
    get_valid_candidates,
    get_valid_unrolls,
    update_cur_best_choices,
)

dnc_layer_cost_ace = ace_cost  # the name QKeras' module imports it under


class CostMode(enum.Enum):
    ACE = 1  # MAC gates from the ACE fit, buffer bits in registers, weight bits in ROM
    PE_AREA = 2  # named by QKeras, not implemented there either
    PE_BW_AREA = 3  # named by QKeras, not implemented there either


def get_per_layer_cost(layer_quantizer_bitwidth: dict, layer_mac_count: int, layer_shapes: dict, cin_unroll: int,
                       cout_unroll: int, kh_unroll: int, kw_unroll: int, InElementPerClk: int,
                       OutElementPerClk: int, mode: CostMode) -> float:
    """ACE gates of one MAC times the four unroll factors (the MAC count does not matter: the unrolled MACs
    are reused), plus register gates of the InElementPerClk input and OutElementPerClk output words and ROM
    gates of the weights."""
    if mode != CostMode.ACE:
        raise NotImplementedError(f"{mode} is not implemented; only CostMode.ACE is")
    bits = layer_quantizer_bitwidth
    mac_gates = ace_cost.get_ace_mac_gates(xbit=bits["input_bits"], wbit=bits["weight_bits"], abit=bits["acc_bits"])
    pe_area = mac_gates * cin_unroll * cout_unroll * kh_unroll * kw_unroll
    register, rom = ace_cost.MemoryGatesPerBit["Register"], ace_cost.MemoryGatesPerBit["ROM"]
    memory_area = ((InElementPerClk * bits["input_bits"] + OutElementPerClk * bits["output_bits"]) * register
                   + weight_count(layer_shapes["weight_shape"]) * bits["weight_bits"] * rom)
    return pe_area + memory_area


def is_bufferThru_greater_than_targetThru(layer_type: str, InElementPerClk: int, OutElementPerClk: int,
                                          input_channel: int, output_channel: int, kernel_height: int,
                                          kernel_width: int, target_out_throughput: float,
                                          target_in_throughput: float) -> bool:
    """Whether the input buffer meets the input target and the output buffer the output target."""
    return search.buffers_keep_up(layer_type, InElementPerClk, OutElementPerClk, input_channel, output_channel,
                                  kernel_height, kernel_width, target_in_throughput, target_out_throughput)


def set_best_global_cost_in_paths(OutElementPerClk_list: list[int], paths: dict, layer_idx: int,
                                  cur_layer_idx: int, layer_quantizer_bitwidth: dict, layer_mac_count: int,
                                  layer_shapes: dict, mode: CostMode) -> None:
    """At SOURCE, keep the OutElementPerClk of least total cost."""
    search.best_at_source(OutElementPerClk_list, paths, layer_idx, cur_layer_idx, lambda out: get_per_layer_cost(
        layer_quantizer_bitwidth, layer_mac_count, layer_shapes, 0, 0, 0, 0, 0, out, mode))


def backtrack(graph: DivideConquerGraph, paths: dict) -> tuple[dict, float]:
    """Each node's entry on the cheapest path, from SOURCE on, named after its layer, and the path's cost."""
    return search.backtrack(graph, paths, name_layers=True)


def calc_hw_params(graph: DivideConquerGraph, target_OutElementPerClk: int, target_out_throughput: float,
                   input_quantizer_bits: int, compute_to_memory_max_ratio: int = 4,
                   memory_to_unroll_max_ratio: int = 4, mode: CostMode = CostMode.ACE) -> tuple[dict, float | None]:
    """(best_path, best_cost): each node's cheapest choice ({"choice", "cur_cost", "acc_cost",
    "OutElementPerClk", "layer_name"}, keyed by node index) and the total; ({}, None) when a layer has no
    valid choice. input_quantizer_bits is not used (as in QKeras)."""
    def cost(bits, macs, shapes, cin, cout, kh, kw, inputs, outputs) -> float:
        return get_per_layer_cost(bits, macs, shapes, cin, cout, kh, kw, inputs, outputs, mode)

    return search.search(graph, target_OutElementPerClk, target_out_throughput, compute_to_memory_max_ratio,
                         memory_to_unroll_max_ratio, cost, per_layer_targets=True)


def estimate_model_cost(model: Any, input_quantizer_bits: int = 8, target_OutElementPerClk: int = 10,
                        target_out_throughput: float = 1.0, compute_to_memory_max_ratio: int = 4,
                        memory_to_unroll_max_ratio: int = 4,
                        mode: CostMode = CostMode.ACE) -> tuple[dict, float | None]:
    """calc_hw_params on the model's DivideConquerGraph."""
    graph = DivideConquerGraph(model)
    return calc_hw_params(graph, target_OutElementPerClk, target_out_throughput, input_quantizer_bits,
                          compute_to_memory_max_ratio, memory_to_unroll_max_ratio, mode)


__all__ = ["CostMode", "DivideConquerGraph", "Choice", "get_layer_info", "get_valid_unrolls", "get_per_layer_cost",
           "get_valid_candidates", "get_InBufferThru", "get_OutBufferThru", "is_bufferThru_greater_than_targetThru",
           "set_best_global_cost_in_paths", "backtrack", "update_cur_best_choices", "get_ComputeInElementPerClk",
           "get_InElementPerClk_base", "get_pe_throughput", "get_target_throughputs", "calc_hw_params",
           "estimate_model_cost", "dnc_layer_cost_ace"]
