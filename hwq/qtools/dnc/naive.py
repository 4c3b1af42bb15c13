"""QKeras' first divide-and-conquer module (`qtools.divide_and_conquer`): the NAIVE area of a layer is its
multipliers' operand bits times its multiply count and unroll factors, plus the bits its buffers and
weights hold; one throughput target holds for every layer.
"""

from __future__ import annotations

import enum
from typing import Any

from hwq.qtools.dnc import search
from hwq.qtools.dnc.graph import Choice, DivideConquerGraph, get_layer_info, weight_count
from hwq.qtools.dnc.search import (
    get_ComputeInElementPerClk,
    get_InBufferThru,
    get_InElementPerClk_base,
    get_OutBufferThru,
    get_pe_throughput,
    get_valid_candidates,
    update_cur_best_choices,
)


class CostMode(enum.Enum):
    NAIVE = 1  # operand bits times multipliers, plus buffer and weight bits
    PE_AREA = 2  # named by QKeras, not implemented there either
    PE_BW_AREA = 3  # named by QKeras, not implemented there either


def get_per_layer_cost(layer_quantizer_bitwidth: dict, layer_mac_count: int, layer_shapes: dict, cin_unroll: int,
                       cout_unroll: int, kh_unroll: int, kw_unroll: int, InElementPerClk: int,
                       OutElementPerClk: int, mode: CostMode) -> float:
    """input bits · weight bits · MAC count · the four unroll factors, plus InElementPerClk input words,
    OutElementPerClk output words and every weight's bits."""
    if mode != CostMode.NAIVE:
        raise NotImplementedError(f"{mode} is not implemented; only CostMode.NAIVE is")
    bits = layer_quantizer_bitwidth
    pe_area = (bits["input_bits"] * bits["weight_bits"] * layer_mac_count
               * cin_unroll * cout_unroll * kh_unroll * kw_unroll)
    memory_area = (InElementPerClk * bits["input_bits"] + OutElementPerClk * bits["output_bits"]
                   + weight_count(layer_shapes["weight_shape"]) * bits["weight_bits"])
    return pe_area + memory_area


def get_valid_unrolls(layer: Any, cout_unroll: int, target_throughput: float) -> list[tuple[int, int, int]]:
    """(cin_unroll, kh_unroll, kw_unroll) whose products keep up with target_throughput."""
    return search.get_valid_unrolls(layer, cout_unroll, target_throughput)


def is_bufferThru_greater_than_targetThru(layer_type: str, InElementPerClk: int, OutElementPerClk: int,
                                          input_channel: int, output_channel: int, kernel_height: int,
                                          kernel_width: int, target_throughput: float) -> bool:
    """Whether both buffers pass at least target_throughput pixels a clock."""
    return search.buffers_keep_up(layer_type, InElementPerClk, OutElementPerClk, input_channel, output_channel,
                                  kernel_height, kernel_width, target_throughput, target_throughput)


def set_best_global_cost_in_paths(OutElementPerClk_list: list[int], paths: dict, layer_idx: int,
                                  cur_layer_idx: int, layer_quantizer_bitwidth: dict, layer_mac_count: int,
                                  layer_shapes: dict, mode: CostMode) -> None:
    """At SOURCE, keep the OutElementPerClk of least total cost."""
    search.best_at_source(OutElementPerClk_list, paths, layer_idx, cur_layer_idx, lambda out: get_per_layer_cost(
        layer_quantizer_bitwidth, layer_mac_count, layer_shapes, 0, 0, 0, 0, 0, out, mode))


def backtrack(graph: DivideConquerGraph, paths: dict) -> tuple[dict, float]:
    """Each node's entry on the cheapest path, from SOURCE on, and the path's cost."""
    return search.backtrack(graph, paths)


def calc_hw_params(graph: DivideConquerGraph, target_OutElementPerClk: int, target_throughput: float,
                   input_quantizer_bits: int, compute_to_memory_max_ratio: int = 4,
                   memory_to_unroll_max_ratio: int = 4, mode: CostMode = CostMode.NAIVE) -> tuple[dict, float | None]:
    """(best_path, best_cost): each node's cheapest choice ({"choice", "cur_cost", "acc_cost",
    "OutElementPerClk"}, keyed by node index) and the total; ({}, None) when a layer has no valid choice.
    input_quantizer_bits is not used (as in QKeras)."""
    def cost(bits, macs, shapes, cin, cout, kh, kw, inputs, outputs) -> float:
        return get_per_layer_cost(bits, macs, shapes, cin, cout, kh, kw, inputs, outputs, mode)

    return search.search(graph, target_OutElementPerClk, target_throughput, compute_to_memory_max_ratio,
                         memory_to_unroll_max_ratio, cost, per_layer_targets=False)


def estimate_model_cost(model: Any, input_quantizer_bits: int = 8, target_OutElementPerClk: int = 10,
                        target_throughput: float = 1.0, compute_to_memory_max_ratio: int = 4,
                        memory_to_unroll_max_ratio: int = 4,
                        mode: CostMode = CostMode.NAIVE) -> tuple[dict, float | None]:
    """calc_hw_params on the model's DivideConquerGraph."""
    graph = DivideConquerGraph(model)
    return calc_hw_params(graph, target_OutElementPerClk, target_throughput, input_quantizer_bits,
                          compute_to_memory_max_ratio, memory_to_unroll_max_ratio, mode)


__all__ = ["CostMode", "DivideConquerGraph", "Choice", "get_layer_info", "get_valid_unrolls", "get_per_layer_cost",
           "get_valid_candidates", "get_InBufferThru", "get_OutBufferThru", "is_bufferThru_greater_than_targetThru",
           "set_best_global_cost_in_paths", "backtrack", "update_cur_best_choices", "get_ComputeInElementPerClk",
           "get_InElementPerClk_base", "get_pe_throughput", "calc_hw_params", "estimate_model_cost"]
