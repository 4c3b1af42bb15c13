"""The model view the divide-and-conquer search walks: the qgraph of a model, typed by the data type map
(QKeras' DivideConquerGraph), one Choice of design parameters, and the layer facts the search reads."""

from __future__ import annotations

from math import prod
from typing import Any

from hwq.qtools.layer_data_type import generate_layer_data_type_map
from hwq.qtools.qgraph import SINK, SOURCE, CreateGraph, GraphPropagateActivationsToEdges
from hwq.qtools.qtools_util import get_val

DNC_SOURCE_QUANTIZER = "quantized_bits(8, 0, 1)"  # of model inputs given no quantizer (not settings.cfg's)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list | tuple) else value


def _kernel(layer: Any) -> tuple[int, int]:
    """(height, width) of what a layer slides over its input: a kernel, a pooling window, an upsampling
    factor; 1 x 1 for a layer that sees one position at a time (dense, global pooling, merges)."""
    for name in ("kernel_size", "pool_size", "size"):
        size = getattr(layer, name, None)
        if size is not None:
            size = tuple(size) if isinstance(size, list | tuple) else (size,)
            return int(size[0]), int(size[1]) if len(size) > 1 else 1
    return 1, 1


def get_layer_info(layer: Any, attr_name: str) -> Any:
    """One fact the search needs about a layer: layer_type (its class name), input_channel (the last
    dimension of its input, summed over the inputs of a merge), output_channel, kernel_height, kernel_width,
    quantizer_bits (its kernel quantizer's, None without one); None for any other name."""
    inputs = layer.input if isinstance(layer.input, list | tuple) else [layer.input]
    quantizer = getattr(layer, "kernel_quantizer", None)
    kernel_height, kernel_width = _kernel(layer)
    info = {"layer_type": type(layer).__name__,
            "input_channel": sum(int(t.shape[-1]) for t in inputs),
            "output_channel": int(_first(layer.output).shape[-1]),
            "kernel_height": kernel_height, "kernel_width": kernel_width,
            "quantizer_bits": getattr(quantizer, "bits", None)}
    return info.get(attr_name)


def weight_count(shape: Any) -> int:
    """The number of weights of a shape; 0 for a layer without weights (None or 0)."""
    return 0 if shape is None or shape == 0 else int(prod(int(d) for d in shape))


class DivideConquerGraph:
    """A model's qgraph (SOURCE and SINK included) with its data type map, addressed by node index or layer.

    Inputs without a source quantizer are quantized_bits(8, 0, 1), as in QKeras; other defaults come from
    settings.cfg.
    """

    def __init__(self, model: Any, source_quantizers: Any = None) -> None:
        self._model = model
        self._graph, self._source_quantizer_list = CreateGraph(model, source_quantizers, DNC_SOURCE_QUANTIZER)
        GraphPropagateActivationsToEdges(self._graph)
        self._layer_map = generate_layer_data_type_map(
            self._graph, self._source_quantizer_list, is_inference=False, keras_accumulator=None,
            for_reference=False)["layer_data_type_map"]
        # SOURCE and SINK both hold no layer; None ends up naming SINK, as in QKeras
        self._layer_to_idx_dict = {self.idx_to_layer(idx): idx for idx in self._graph.nodes}

    def idx_to_layer(self, idx: int) -> Any:
        return self._graph.nodes[idx]["layer"][0]

    def layer_to_idx(self, layer: Any) -> int | None:
        return self._layer_to_idx_dict.get(layer)

    def _idx(self, node: Any) -> int | None:
        return node if isinstance(node, int) else self.layer_to_idx(node)

    def _layer(self, node: Any) -> Any:
        return self.idx_to_layer(node) if isinstance(node, int) else node

    def get_first_node(self) -> int:
        return SOURCE

    def is_first_node(self, node: Any) -> bool:
        return self._idx(node) == SOURCE

    def get_last_node(self) -> int:
        return SINK

    def is_last_node(self, node: Any) -> bool:
        return self._idx(node) == SINK

    def get_prev_nodes(self, node: Any) -> list[int]:
        return list(self._graph.predecessors(self._idx(node)))

    def get_next_nodes(self, node: Any) -> list[int]:
        return list(self._graph.successors(self._idx(node)))

    def get_layer_quantizer_bitwidth(self, node: Any) -> dict[str, int]:
        """input_bits (of the first input), weight_bits (0 without weights), mac_bits and acc_bits (the
        multiplier's and accumulator's output, else the input's) and output_bits; all 0 for SOURCE and SINK."""
        layer = self._layer(node)
        if layer is None:
            return {"input_bits": 0, "weight_bits": 0, "mac_bits": 0, "acc_bits": 0, "output_bits": 0}
        item = self._layer_map[layer]
        input_bits = get_val(item, "input_quantizer_list")[0].bits
        weight, mult, acc = (get_val(item, k) for k in ("weight_quantizer", "multiplier", "accumulator"))
        return {"input_bits": input_bits, "weight_bits": weight.bits if weight else 0,
                "mac_bits": mult.output.bits if mult else input_bits,
                "acc_bits": acc.output.bits if acc else input_bits,
                "output_bits": get_val(item, "output_quantizer").bits}

    def get_layer_mac_count(self, node: Any) -> int:
        layer = self._layer(node)
        return get_val(self._layer_map[layer], "operation_count", 0) if layer is not None else 0

    def get_layer_shapes(self, node: Any) -> dict[str, Any]:
        """weight_shape and output_shape from the map, input_shape_list (one shape per input); 0s for SOURCE."""
        layer = self._layer(node)
        if layer is None:
            return {"weight_shape": 0, "output_shape": 0, "input_shape_list": [0]}
        inputs = layer.input if isinstance(layer.input, list | tuple) else [layer.input]
        item = self._layer_map[layer]
        return {"weight_shape": get_val(item, "w_shapes", 0), "output_shape": get_val(item, "output_shapes", 0),
                "input_shape_list": [tuple(t.shape) for t in inputs]}


class Choice:
    """One combination of design parameters of a layer: l = OutElementPerClk / ComputeOutElementPerClk,
    k = cin_unroll / InElementPerClk, and the unroll factors of input and output channels and kernel rows
    and columns."""

    def __init__(self, l: float = 0, k: float = 0, cin_unroll: int = 0, cout_unroll: int = 0,
                 kh_unroll: int = 0, kw_unroll: int = 0) -> None:
        self.k, self.l = k, l
        self.cin_unroll, self.cout_unroll = cin_unroll, cout_unroll
        self.kh_unroll, self.kw_unroll = kh_unroll, kw_unroll

    def __str__(self) -> str:
        return (f"Choice(k={self.k}, l={self.l}, cin_unroll={self.cin_unroll}, cout_unroll={self.cout_unroll}, "
                f"kh_unroll={self.kh_unroll}, kw_unroll={self.kw_unroll})")


__all__ = ["DivideConquerGraph", "Choice", "get_layer_info", "weight_count", "DNC_SOURCE_QUANTIZER"]
