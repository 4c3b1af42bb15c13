"""The data type map of a qgraph (QKeras' form of generate_layer_data_type_map's input).

QKeras types each layer from the quantizers on the edges that reach it and, when the layer does not name its
own output quantizer (or for_reference), writes the type it computed on the edges that leave it, so the next
layer reads it. This walk does the same in the graph's topological order, with hwq's per-layer rules (the
ones `datatype_map` applies to a Keras model), so both forms of a model give the same map.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from hwq.qtools.datatype_map import LayerTypes, MapSettings, layer_types
from hwq.qtools.qgraph import SINK, SOURCE, GraphUpdateEdge
from hwq.qtools.qtypes import QType, qtype_of
from hwq.qtools.quantizer_factory import QuantizerFactory
from hwq.qtools.quantizer_impl import from_qtype


def _input_edges(graph: nx.DiGraph, node: int, layer: Any) -> list[tuple[int, dict[str, Any]]]:
    """(predecessor, edge) for each tensor the layer reads, in the layer's order (a tensor read twice gives
    its one edge twice); a graph whose edges do not name the layer's tensors gives its edges as they are."""
    edges = [(u, graph[u][node]) for u in graph.predecessors(node)]
    by_tensor = {id(edge.get("tensor")): (u, edge) for u, edge in edges}
    inputs = layer.input if isinstance(layer.input, list | tuple) else [layer.input]
    ordered = [by_tensor.get(id(t)) for t in inputs]
    return edges if None in ordered else ordered


def _edge_type(edge: dict[str, Any], from_source: bool, settings: MapSettings, factory: QuantizerFactory) -> QType:
    """The type on an edge; an edge without a quantizer carries the default source (or intermediate) type, one
    whose quantizer qtools does not know (a float activation) the default intermediate type."""
    quantizer = edge.get("quantizer")
    if quantizer is None:
        return qtype_of(settings.source_quantizer if from_source else settings.interm_quantizer)
    if not factory.is_quantizer_supported(quantizer):
        return qtype_of(settings.interm_quantizer)
    return qtype_of(quantizer)


def qgraph_datatype_map(graph: nx.DiGraph, settings: MapSettings) -> list[tuple[Any, LayerTypes]]:
    """(layer, entry) for every layer node in topological order; the edges leaving each node end up holding
    its output type, unless the node names a quantizer of its own (QKeras' update of the graph)."""
    factory = QuantizerFactory()
    inputs, outputs = set(graph.successors(SOURCE)), set(graph.predecessors(SINK))
    out = []
    for node in nx.topological_sort(graph):
        if node in (SOURCE, SINK):
            continue
        layer = graph.nodes[node]["layer"][0]
        in_types = [_edge_type(edge, u == SOURCE, settings, factory) for u, edge in _input_edges(graph, node, layer)]
        entry = layer_types(layer, in_types, node in inputs, node in outputs, settings)
        named = graph.nodes[node].get("out_quantizer")
        if settings.for_reference or named is None or not factory.is_quantizer_supported(named):
            GraphUpdateEdge(graph, node, from_qtype(entry.output_type))
        out.append((layer, entry))
    return out


def end_layers(graph: nx.DiGraph) -> tuple[list[Any], list[Any]]:
    """(input layers, output layers): the layers SOURCE feeds and the layers that feed SINK."""
    def layers(nodes) -> list[Any]:
        return [graph.nodes[n]["layer"][0] for n in nodes if n not in (SOURCE, SINK)]

    return layers(graph.successors(SOURCE)), layers(graph.predecessors(SINK))


__all__ = ["qgraph_datatype_map", "end_layers"]
