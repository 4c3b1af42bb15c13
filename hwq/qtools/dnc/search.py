"""The divide-and-conquer search both of QKeras' versions share.

Every layer of a pipeline reads InElementPerClk values a clock from the layer before and writes
OutElementPerClk to the next; inside, it computes ComputeOutElementPerClk = cout_unroll outputs a clock with
cin_unroll · kh_unroll · kw_unroll products each. A choice is valid when the products keep up with the target
throughput (inferences per clock) and so do both buffers. The search starts at SINK with the target
OutElementPerClk and walks back: for each OutElementPerClk the next layer may take, it keeps, per
InElementPerClk this layer then needs, the cheapest choice counting the layers after it. At SOURCE it picks
the cheapest of all, and backtracking from SOURCE reads each layer's choice off that path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from hwq.qtools.dnc.graph import Choice, DivideConquerGraph, get_layer_info
from hwq.qtools.qtools_util import find_divisors

logger = logging.getLogger(__name__)

# layers that only pass values on: no choice of their own, no cost
PASS_THROUGH = ("QBatchNormalization", "QActivation", "Dropout", "Reshape", "Activation", "ZeroPadding2D")
# layers without cross-channel sums: an input channel is an output channel, so cin_unroll is cout_unroll
PER_CHANNEL = ("QDepthwiseConv2D", "QAveragePooling2D", "MaxPooling2D", "QGlobalAveragePooling2D",
               "GlobalMaxPooling2D")

# cost of one layer: (bitwidths, mac count, shapes, cin, cout, kh, kw unrolls, InElementPerClk, OutElementPerClk)
LayerCost = Callable[[dict, int, dict, int, int, int, int, int, int], float]


def get_pe_throughput(layer_type: str, cin_unroll: int, cout_unroll: int, kh_unroll: int, kw_unroll: int,
                      input_channel: int, output_channel: int, kernel_height: int, kernel_width: int) -> float:
    """Output pixels a clock the unrolled products give: the unrolled share of one pixel's products."""
    if layer_type in ("QConv2D", "QDense"):
        return 1.0 * cin_unroll * cout_unroll * kh_unroll * kw_unroll / (
            input_channel * output_channel * kernel_height * kernel_width)
    if layer_type in ("QDepthwiseConv2D", "QAveragePooling2D", "MaxPooling2D", "UpSampling2D"):
        return 1.0 * cout_unroll * kh_unroll * kw_unroll / (output_channel * kernel_height * kernel_width)
    if layer_type in ("QGlobalAveragePooling2D", "GlobalMaxPooling2D", "Concatenate"):
        return 1.0 * cout_unroll / output_channel
    raise ValueError(f"the divide-and-conquer search has no throughput rule for {layer_type}")


def get_ComputeInElementPerClk(layer_type: str, cin_unroll: int, cout_unroll: int, kh_unroll: int,
                               kw_unroll: int) -> int:
    """Input elements the unrolled products read a clock."""
    if layer_type in ("QConv2D", "QDense"):
        return cin_unroll * kh_unroll * kw_unroll
    if layer_type in ("QDepthwiseConv2D", "QAveragePooling2D", "MaxPooling2D"):
        return cout_unroll * kh_unroll * kw_unroll
    if layer_type in ("QGlobalAveragePooling2D", "GlobalMaxPooling2D", "UpSampling2D"):
        return cout_unroll
    if layer_type == "Concatenate":
        return cin_unroll
    raise ValueError(f"the divide-and-conquer search has no input rule for {layer_type}")


def get_InElementPerClk_base(ComputInElementPerClk: int, kh_unroll: int, kw_unroll: int) -> int:
    """New input elements a clock: a window's rows and columns reuse what the line buffer holds."""
    return int(ComputInElementPerClk / (kh_unroll * kw_unroll))


def get_valid_candidates(input_value: int, output_to_input_ratio_max: int) -> list[int]:
    """The divisors of input_value, then its multiples up to output_to_input_ratio_max times."""
    return find_divisors(input_value) + [input_value * x for x in range(2, output_to_input_ratio_max + 1)]


def get_valid_unrolls(layer: Any, cout_unroll: int, target_pe_throughput: float) -> list[tuple[int, int, int]]:
    """(cin_unroll, kh_unroll, kw_unroll), each a divisor of its dimension (cin_unroll is cout_unroll for a
    per-channel layer), whose products keep up with the target; cin outermost, then kw, then kh."""
    info = {k: get_layer_info(layer, k) for k in ("layer_type", "input_channel", "output_channel",
                                                   "kernel_height", "kernel_width")}
    layer_type = info["layer_type"]
    cin_unrolls = [cout_unroll] if layer_type in PER_CHANNEL else find_divisors(info["input_channel"])
    valid = []
    for cin_unroll in cin_unrolls:
        for kw_unroll in find_divisors(info["kernel_width"]):
            for kh_unroll in find_divisors(info["kernel_height"]):
                throughput = get_pe_throughput(layer_type, cin_unroll, cout_unroll, kh_unroll, kw_unroll,
                                               info["input_channel"], info["output_channel"],
                                               info["kernel_height"], info["kernel_width"])
                if throughput >= target_pe_throughput:
                    valid.append((cin_unroll, kh_unroll, kw_unroll))
    return valid


def get_InBufferThru(InElementPerClk: int, input_channel: int) -> float:
    """Input pixels a clock the input buffer passes."""
    return InElementPerClk / input_channel


def get_OutBufferThru(OutElementPerClk: int, output_channel: int, kernel_height: int, kernel_width: int,
                      layer_type: str) -> float:
    """Output pixels a clock the output buffer passes (an upsampling layer writes kh · kw pixels per input)."""
    if layer_type == "UpSampling2D":
        return OutElementPerClk / (output_channel * kernel_height * kernel_width)
    return OutElementPerClk / output_channel


def buffers_keep_up(layer_type: str, InElementPerClk: int, OutElementPerClk: int, input_channel: int,
                    output_channel: int, kernel_height: int, kernel_width: int, target_in_throughput: float,
                    target_out_throughput: float) -> bool:
    """Whether the input buffer meets the input target and the output buffer the output target."""
    in_throughput = get_InBufferThru(InElementPerClk, input_channel)
    out_throughput = get_OutBufferThru(OutElementPerClk, output_channel, kernel_height, kernel_width, layer_type)
    return in_throughput >= target_in_throughput and out_throughput >= target_out_throughput


def get_target_throughputs(layer: Any, target_out_throughput: float) -> tuple[float, float]:
    """(input target, product target) of a layer whose output must meet target_out_throughput: a layer that
    shrinks (or grows) the pixel count reads input pixels that much faster (or slower); the products keep
    the output's target."""
    if layer is None:
        return target_out_throughput, target_out_throughput

    def pixels(tensor: Any) -> float:
        # the batch dimension (None) is not a pixel dimension
        return float(np.nanprod([np.nan if d is None else d for d in tuple(tensor.shape)[:-1]]))

    inputs = layer.input if isinstance(layer.input, list | tuple) else [layer.input]
    outputs = layer.output if isinstance(layer.output, list | tuple) else [layer.output]
    return target_out_throughput * pixels(inputs[0]) / pixels(outputs[0]), target_out_throughput


def update_cur_best_choices(cur_best_choices: dict[int, dict[str, Any]], OutElementPerClk: int,
                            prev_OutElementPerClk: int, cur_layer_cost: float, accumulative_cost: float,
                            choice: Choice) -> None:
    """Keep the choice if it is the cheapest so far (counting the layers after) for the InElementPerClk it
    asks of the layer before (prev_OutElementPerClk); a tie keeps the first."""
    entry = cur_best_choices.get(prev_OutElementPerClk)
    if accumulative_cost < (entry["acc_cost"] if entry else np.inf):
        cur_best_choices[prev_OutElementPerClk] = {"choice": str(choice), "cur_cost": cur_layer_cost,
                                                   "acc_cost": accumulative_cost,
                                                   "OutElementPerClk": OutElementPerClk}


def best_at_source(OutElementPerClk_list: list[int], paths: dict, layer_idx: int, cur_layer_idx: int,
                   layer_cost: Callable[[int], float]) -> None:
    """At SOURCE: the OutElementPerClk (of those the first layer may read) with the least total cost."""
    costs = []
    for out in OutElementPerClk_list:
        cost = layer_cost(out)
        costs.append((cost, cost + paths[layer_idx][out]["acc_cost"], out))
    cost, total, best = min(costs, key=lambda c: c[1])
    paths[cur_layer_idx] = {best: {"choice": str(Choice()), "cur_cost": cost, "acc_cost": total,
                                   "OutElementPerClk": best}}


def backtrack(graph: DivideConquerGraph, paths: dict, name_layers: bool = False) -> tuple[dict, float]:
    """Each node's entry on the cheapest path, from SOURCE forward, and that path's cost; name_layers adds
    each entry's "layer_name" ("None" for SOURCE)."""
    best_path: dict[int, dict[str, Any]] = {}
    node = graph.get_first_node()
    entry = next(iter(paths[node].values()))
    total = entry["acc_cost"]
    while not graph.is_last_node(node):
        if name_layers:
            layer = graph.idx_to_layer(node)
            entry["layer_name"] = layer.name if layer is not None else "None"
        best_path[node] = entry
        node = graph.get_next_nodes(node)[0]
        if not graph.is_last_node(node):
            entry = paths[node][entry["OutElementPerClk"]]
    return best_path, total


def _check_chain(graph: DivideConquerGraph) -> None:
    # the search follows one predecessor and one successor per node: a branch would be left out silently
    for node in graph._graph.nodes:
        fan = (len(graph.get_prev_nodes(node)), len(graph.get_next_nodes(node)))
        if max(fan) > 1:
            layer = graph.idx_to_layer(node)
            name = getattr(layer, "name", "SOURCE" if node == graph.get_first_node() else "SINK")
            raise NotImplementedError(f"the divide-and-conquer search covers a chain of layers; {name} has "
                                      f"{fan[0]} inputs and {fan[1]} outputs")


def _layer_choices(layer: Any, out_choices: dict[int, dict], bitwidths: dict, mac_count: int, shapes: dict,
                   targets: tuple[float, float, float], ratios: tuple[int, int], layer_cost: LayerCost,
                   cout_divides: bool) -> dict[int, dict[str, Any]]:
    """The cheapest choice per InElementPerClk of one layer, for each OutElementPerClk the next may take."""
    info = {k: get_layer_info(layer, k) for k in ("layer_type", "input_channel", "output_channel",
                                                   "kernel_height", "kernel_width")}
    layer_type, in_ch, out_ch = info["layer_type"], info["input_channel"], info["output_channel"]
    kh_all, kw_all = info["kernel_height"], info["kernel_width"]
    target_in, target_pe, target_out = targets
    compute_ratio, memory_ratio = ratios
    best: dict[int, dict[str, Any]] = {}
    for out in out_choices:
        downstream = out_choices[out]["acc_cost"]
        if layer_type in PASS_THROUGH:
            update_cur_best_choices(best, out, out, 0, downstream, Choice())
            continue
        for compute_out in get_valid_candidates(out, compute_ratio):
            if cout_divides and out_ch % compute_out:
                continue  # output channels are computed in whole groups of cout_unroll
            for cin, kh, kw in get_valid_unrolls(layer, compute_out, target_pe):
                compute_in = get_ComputeInElementPerClk(layer_type, cin, compute_out, kh, kw)
                for inputs in get_valid_candidates(get_InElementPerClk_base(compute_in, kh, kw), memory_ratio):
                    if not buffers_keep_up(layer_type, inputs, out, in_ch, out_ch, kh_all, kw_all, target_in,
                                           target_out):
                        continue
                    cost = layer_cost(bitwidths, mac_count, shapes, cin, compute_out, kh, kw, inputs, out)
                    choice = Choice(out / compute_out, cin / inputs, cin, compute_out, kh, kw)
                    update_cur_best_choices(best, out, inputs, cost, cost + downstream, choice)
    return best


def search(graph: DivideConquerGraph, target_OutElementPerClk: int, target_out_throughput: float,
           compute_to_memory_max_ratio: int, memory_to_unroll_max_ratio: int, layer_cost: LayerCost,
           per_layer_targets: bool) -> tuple[dict, float | None]:
    """The cheapest design of every layer and its total cost, or ({}, None) when some layer has no valid
    choice. per_layer_targets: the newer version's rules (each layer's input target scaled by its pixel
    count, cout_unroll a divisor of the output channels, entries named after their layers); otherwise every
    target is target_out_throughput."""
    _check_chain(graph)
    ratios = (compute_to_memory_max_ratio, memory_to_unroll_max_ratio)
    node = graph.get_last_node()
    paths: dict[int, dict[int, dict[str, Any]]] = {node: {target_OutElementPerClk: {
        "choice": str(Choice()), "cur_cost": 0, "acc_cost": 0, "OutElementPerClk": -1}}}
    target_out = target_out_throughput
    while graph.get_prev_nodes(node):
        cur = graph.get_prev_nodes(node)[0]
        layer = graph.idx_to_layer(cur)
        target_in, target_pe = get_target_throughputs(layer, target_out) if per_layer_targets else (target_out,) * 2
        bitwidths = graph.get_layer_quantizer_bitwidth(cur)
        mac_count, shapes = graph.get_layer_mac_count(cur), graph.get_layer_shapes(cur)
        if graph.is_first_node(cur):
            # SOURCE has no unrolls and reads nothing: only what it writes can cost
            def source_cost(out: int, bits=bitwidths, macs=mac_count, shape=shapes) -> float:
                return layer_cost(bits, macs, shape, 0, 0, 0, 0, 0, out)

            best_at_source(list(paths[node]), paths, node, cur, source_cost)
            break
        choices = _layer_choices(layer, paths[node], bitwidths, mac_count, shapes, (target_in, target_pe, target_out),
                                 ratios, layer_cost, per_layer_targets)
        if not choices:
            logger.error("no valid hardware choice for layer %s", layer.name)
            return {}, None
        paths[cur] = choices
        node = cur
        target_out = target_in  # what this layer reads, the layer before must write
    return backtrack(graph, paths, name_layers=per_layer_targets)


__all__ = ["PASS_THROUGH", "PER_CHANNEL", "get_pe_throughput", "get_ComputeInElementPerClk",
           "get_InElementPerClk_base", "get_valid_candidates", "get_valid_unrolls", "get_InBufferThru",
           "get_OutBufferThru", "buffers_keep_up", "get_target_throughputs", "update_cur_best_choices",
           "best_at_source", "backtrack", "search"]
