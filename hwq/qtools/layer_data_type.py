"""generate_layer_data_type_map: QKeras' form of the data type map (hwq.qtools.datatype_map).

QKeras returns {"source_quantizer_list", "output_layers", "input_layers", "layer_data_type_map"}, the
last keyed by layer object with one LayerDataType per layer, holding QKeras' qtools objects (QuantizedBits,
Mux, FixedPointAccumulator, ...); this builds the same from hwq's map (whose types are hwq's QTypes), so
scripts reading `entry.multiplier.output.bits` or testing `isinstance(entry.multiplier, Mux)` keep working.

It takes either the Keras model or, as QKeras' run_qtools calls it, the model's qgraph (hwq.qtools.qgraph)
and its source quantizer list; both give the same types (the graph has no Dropout layers).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from hwq.qtools.accumulator_impl import IAccumulator, from_output
from hwq.qtools.datatype_map import LayerTypes, MapSettings, datatype_map, source_types
from hwq.qtools.multiplier_impl import IMultiplier, from_record
from hwq.qtools.qtypes import QType
from hwq.qtools.quantizer_impl import IQuantizer, as_quantizer, from_qtype


class LayerDataType(NamedTuple):
    """One layer's types under QKeras' field names; the MAC fields are None for other layers."""

    input_quantizer_list: list[IQuantizer]
    multiplier: IMultiplier | None
    accumulator: IAccumulator | None
    weight_quantizer: IQuantizer | None
    w_shapes: tuple | None
    bias_quantizer: IQuantizer | None
    b_shapes: tuple | None
    output_quantizer: IQuantizer
    output_shapes: tuple
    operation_count: int


def layer_data_type(entry: LayerTypes) -> LayerDataType:
    """One layer of hwq's map as QKeras' objects (fresh ones: a script may change them, as in QKeras)."""
    inputs = [from_qtype(q) for q in entry.input_types]
    weight = from_qtype(entry.weight_type) if entry.weight_type is not None else None
    multiplier = accumulator = None
    if entry.multiplier is not None:
        multiplier = from_record(entry.multiplier, weight, inputs[0])
    if entry.accumulator is not None and multiplier is not None:
        accumulator = from_output(entry.accumulator, multiplier)
    bias = from_qtype(entry.bias_type) if entry.bias_type is not None else None
    return LayerDataType(inputs, multiplier, accumulator, weight, entry.weight_shape, bias, entry.bias_shape,
                         from_qtype(entry.output_type), (None, *entry.output_shape), entry.operation_count)


def qkeras_layer_map(model, source_quantizer_list: list[QType], types: dict[str, LayerTypes]) -> dict[str, Any]:
    """QKeras' result dictionary for hwq's map `types` of `model`."""
    layers = {name: model.get_layer(name) for name in types}
    return {"source_quantizer_list": [from_qtype(q) for q in source_quantizer_list],
            "output_layers": [layers[name] for name, entry in types.items() if entry.is_output],
            "input_layers": [layers[name] for name, entry in types.items() if entry.is_input],
            "layer_data_type_map": {layers[name]: layer_data_type(entry) for name, entry in types.items()}}


def generate_layer_data_type_map(model: Any = None, source_quantizer_list: Any = None, is_inference: bool = False,
                                 keras_quantizer: Any = None, keras_accumulator: Any = None,
                                 for_reference: bool = False, debug: bool = False,
                                 model_weights_already_quantized: bool = True,
                                 hw_weight_dict: dict | None = None, *, graph: Any = None) -> dict[str, Any]:
    """The data type map of a Keras model, or of its qgraph (`graph`, or a graph passed as the model, with
    the source quantizer list CreateGraph returned). The default quantizers of inputs and of unquantized
    layers come from `settings.cfg` as it is now.

    Given a graph, the map follows it in topological order, reads each layer's input types from the edges
    that reach it and writes the output types on the edges it updates, as QKeras does.
    `debug` prints nothing more; `model_weights_already_quantized` changes nothing (hwq quantizes the
    weights it reads itself, which leaves already quantized weights as they are).
    """
    from hwq.qtools.settings import cfg

    if hw_weight_dict is not None:
        raise NotImplementedError("hw_weight_dict (fused batch normalization weights) is not modelled by hwq's qtools")
    graph = graph if graph is not None else (model if _is_qgraph(model) else None)
    settings = MapSettings(is_inference, keras_quantizer, keras_accumulator, for_reference,
                           cfg.default_source_quantizer, cfg.default_interm_quantizer)
    if graph is not None:
        return _graph_layer_map(graph, source_quantizer_list, settings)
    if model is None:
        raise TypeError("generate_layer_data_type_map needs a Keras model or its qgraph")
    sources = source_types(model, source_quantizer_list, settings.source_quantizer)
    return qkeras_layer_map(model, sources, datatype_map(model, source_quantizer_list, settings))


def _is_qgraph(obj: Any) -> bool:
    # a networkx graph (a Keras model has neither); checked by shape so networkx is imported only when used
    return hasattr(obj, "predecessors") and hasattr(obj, "successors") and hasattr(obj, "nodes")


def _graph_layer_map(graph: Any, source_quantizer_list: Any, settings: MapSettings) -> dict[str, Any]:
    from hwq.qtools.qgraph import GraphGetInputs
    from hwq.qtools.qgraph_map import end_layers, qgraph_datatype_map

    if source_quantizer_list is None:  # what CreateGraph put on the input edges
        source_quantizer_list = [edge["quantizer"] for edge in GraphGetInputs(graph)]
    sources = [as_quantizer(q) for q in _as_list(source_quantizer_list)]
    entries = qgraph_datatype_map(graph, settings)
    input_layers, output_layers = end_layers(graph)
    return {"source_quantizer_list": sources, "output_layers": output_layers, "input_layers": input_layers,
            "layer_data_type_map": {layer: layer_data_type(entry) for layer, entry in entries}}


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


__all__ = ["LayerDataType", "generate_layer_data_type_map", "layer_data_type", "qkeras_layer_map"]
