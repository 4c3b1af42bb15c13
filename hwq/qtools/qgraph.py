"""qgraph: a Keras model as the networkx graph QKeras' qtools walk (`qkeras.qtools.qgraph`).

Nodes are the model's layers, numbered by their index in `model.layers`, plus SOURCE (-1) and SINK (-2); each
holds {"layer": [layer], "type": [class name], "out_quantizer": quantizer or None}. An edge u -> v is a tensor
that u makes and v reads: {"shape", "tensor", "quantizer"}, the quantizer being the type of its values once
known. `CreateGraph` gives the graph QKeras' run_qtools maps: the model's inputs hang off SOURCE (their edges
carry the source quantizers), the layers nothing reads lead to SINK, and Dropout and InputLayer nodes are
bridged over. `generate_layer_data_type_map(graph, source_quantizer_list, ...)` then types every layer.
"""

from __future__ import annotations

import logging
from typing import Any

import networkx as nx

from hwq.qtools.datatype_map import WrongInputQuantizerError
from hwq.qtools.quantizer_factory import QuantizerFactory
from hwq.qtools.quantizer_impl import IQuantizer

SOURCE = -1
SINK = -2
_ENDS = (SOURCE, SINK)

logger = logging.getLogger(__name__)


def _node(layer: Any) -> dict[str, Any]:
    # one-element lists, as QKeras keeps them (its readers take [0] or [-1])
    return {"layer": [layer], "type": [None if layer is None else type(layer).__name__], "out_quantizer": None}


def _tensors(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _is_input_layer(layer: Any) -> bool:
    return type(layer).__name__ == "InputLayer"


def _out_shape(layer: Any) -> Any:
    """What Keras 2's `output_shape` gave, which QKeras puts on edges: a tuple, or a list of tuples for an
    InputLayer or a layer with several outputs (the batch dimension is None)."""
    shapes = [tuple(t.shape) for t in _tensors(layer.output)]
    return shapes if _is_input_layer(layer) or len(shapes) > 1 else shapes[0]


def layer_nodes(graph: nx.DiGraph) -> list[int]:
    """The layer nodes of a qgraph: every node but SOURCE and SINK."""
    return [n for n in graph.nodes if n not in _ENDS]


def source_quantizers(model: Any, input_quantizers: Any, default_source_quantizer: Any) -> list[IQuantizer]:
    """One qtools quantizer per model input: the default for each when none is given, a single quantizer for
    every input, or one per input (a list or tuple of another length is an error)."""
    factory = QuantizerFactory()
    n = len(model.inputs)
    if input_quantizers is None:
        logger.info("no source quantizer given: every input takes %s", default_source_quantizer)
        return [factory.make_default_quantizer(default_source_quantizer) for _ in range(n)]
    if not isinstance(input_quantizers, list | tuple):
        return [factory.make_quantizer(input_quantizers) for _ in range(n)]
    if len(input_quantizers) != n:
        raise WrongInputQuantizerError(f"model {model.name!r} has {n} input(s) but {len(input_quantizers)} "
                                       "source quantizers were given")
    return [factory.make_quantizer(q) for q in input_quantizers]


def GenerateGraphFromModel(model: Any, input_quantizers: Any,
                           default_source_quantizer: Any) -> tuple[nx.DiGraph, list[IQuantizer]]:
    """The layer graph of a model, with SOURCE and SINK not yet connected, and its source quantizers. The
    edges that leave an input layer carry that input's quantizer; a Sequential model's hidden input layer
    becomes a node of its own (GraphAddHiddenInputLayer)."""
    sources = source_quantizers(model, input_quantizers, default_source_quantizer)
    quantizer_of_input = dict(zip(model.inputs, sources, strict=True))
    graph = nx.DiGraph()
    graph.add_nodes_from([(SOURCE, _node(None)), (SINK, _node(None))])
    graph.add_nodes_from((i, _node(layer)) for i, layer in enumerate(model.layers))
    producer = {id(t): i for i, layer in enumerate(model.layers) for t in _tensors(layer.output)}
    input_ids = {id(t) for t in model.inputs}
    for v, layer in enumerate(model.layers):
        if _is_input_layer(layer):
            continue
        for tensor in _tensors(layer.input):
            u = producer.get(id(tensor))
            if u is None:  # the hidden input of a Sequential model
                continue
            quantizer = quantizer_of_input[tensor] if id(tensor) in input_ids else None
            graph.add_edge(u, v, shape=_out_shape(model.layers[u]), tensor=tensor, quantizer=quantizer)
    GraphAddHiddenInputLayer(model, graph, quantizer_of_input)
    return graph, sources


def GraphAddHiddenInputLayer(model: Any, graph: nx.DiGraph, input_quantizer_map: dict[Any, Any]) -> None:
    """A Sequential model does not list its input layer: add it as a node feeding the first layer, its edge
    carrying the input's quantizer. Nothing happens when the graph has an InputLayer node already."""
    nodes = layer_nodes(graph)
    if any(graph.nodes[n]["type"][-1] == "InputLayer" for n in nodes):
        return
    first = [n for n in nodes if graph.in_degree(n) == 0]
    if len(first) != 1:
        raise ValueError(f"a model without input layers must have one first layer, found {len(first)}")
    node_id = max(graph.nodes) + 1
    for tensor, quantizer in input_quantizer_map.items():
        # the model's own (hidden) input layer made the tensor: Keras records it in the tensor's history
        layer = getattr(getattr(tensor, "_keras_history", None), "operation", None)
        if not _is_input_layer(layer):
            import keras

            layer = keras.layers.InputLayer(shape=tuple(tensor.shape[1:]))
        graph.add_node(node_id, **_node(layer))
        graph.add_edge(node_id, first[0], shape=[tuple(tensor.shape)], tensor=tensor, quantizer=quantizer)


def GraphAddSingleSourceSingleSink(graph: nx.DiGraph) -> None:
    """Connect SOURCE to every InputLayer node and every node without successors to SINK."""
    edges = []
    for u in layer_nodes(graph):
        layer = graph.nodes[u]["layer"][-1]
        tensor = _tensors(layer.output)[0]
        if graph.nodes[u]["type"][-1] == "InputLayer":
            edges.append((SOURCE, u, {"shape": [tuple(tensor.shape)], "tensor": tensor, "quantizer": None}))
        if graph.out_degree(u) == 0:
            edges.append((u, SINK, {"shape": tuple(tensor.shape), "tensor": tensor, "quantizer": None}))
    graph.add_edges_from(edges)


def GraphRemoveNode(graph: nx.DiGraph, v: int) -> None:
    """Bridge over v: each u -> v -> w becomes u -> w with the attributes of v -> w (the tensor w reads)."""
    incoming = [u for u in graph.predecessors(v) if u != v]
    outgoing = [w for w in graph.successors(v) if w != v]
    for u in incoming:
        for w in outgoing:
            into, out = graph[u][v], graph[v][w]
            if list(into["shape"]) != list(out["shape"]):
                raise ValueError(f"node {v} changes the shape {into['shape']} to {out['shape']}: it cannot be "
                                 "bridged over")
            graph.add_edge(u, w, **out)
    graph.remove_node(v)


def GraphRemoveNodeWithNodeType(graph: nx.DiGraph, node_type: str) -> None:
    """Bridge over every node of the given layer class name."""
    for v in [v for v in graph.nodes if graph.nodes[v]["type"][-1] == node_type]:
        GraphRemoveNode(graph, v)


def GraphGetInputs(graph: nx.DiGraph) -> list[dict[str, Any]]:
    """The attributes of the edges SOURCE -> u."""
    return [graph[SOURCE][u] for u in graph.successors(SOURCE) if u not in _ENDS]


def GraphGetOutputs(graph: nx.DiGraph) -> list[dict[str, Any]]:
    """The attributes of the edges u -> SINK."""
    return [graph[u][SINK] for u in graph.predecessors(SINK) if u not in _ENDS]


def activation_on_edges(layer: Any, node_type: str | None) -> Any:
    """The quantizer a layer puts on its outputs: an activation layer's quantizer, another layer's activation
    unless it is linear (a plain Keras function stays as it is; the map then types the edge itself)."""
    if node_type in ("QActivation", "QAdaptiveActivation"):
        return getattr(layer, "quantizer", None)
    activation = getattr(layer, "activation", None)
    if activation is None or getattr(activation, "__name__", None) == "linear":
        return None
    return activation


def GraphPropagateActivationsToEdges(graph: nx.DiGraph, debug: bool = False) -> None:
    """Put each layer's output quantizer (activation_on_edges) on its out-edges and its node's out_quantizer."""
    for u in nx.topological_sort(graph):
        if u in _ENDS:
            continue
        layer = graph.nodes[u]["layer"][0]
        result = activation_on_edges(layer, graph.nodes[u]["type"][0])
        for _, v in graph.out_edges(u):
            if debug:
                print(f"  {u}->{v}: {result}")
            graph[u][v]["quantizer"] = result
            graph.nodes[u]["out_quantizer"] = result


def PrintGraph(graph: nx.DiGraph, msg: str = "") -> None:
    """Print the nodes (id, layer name, type) and the edges (ends, shape, quantizer)."""
    print()
    print(msg)
    print()
    print("nodes:", [(u, getattr(graph.nodes[u]["layer"][0], "name", ""), graph.nodes[u]["type"])
                     for u in graph.nodes])
    print()
    print("edges:", [(u, v, graph[u][v]["shape"], graph[u][v]["quantizer"]) for u, v in graph.edges])


def CreateGraph(model: Any, input_quantizers: Any = None, default_source_quantizer: Any = None,
                debug: bool = False) -> tuple[nx.DiGraph, list[IQuantizer]]:
    """The single-source, single-sink graph of a model without Dropout or InputLayer nodes, and its source
    quantizers; inputs without one take default_source_quantizer (settings.cfg's when None)."""
    if default_source_quantizer is None:
        from hwq.qtools.settings import cfg

        default_source_quantizer = cfg.default_source_quantizer
    graph, sources = GenerateGraphFromModel(model, input_quantizers, default_source_quantizer)
    GraphAddSingleSourceSingleSink(graph)
    GraphRemoveNodeWithNodeType(graph, "Dropout")
    GraphRemoveNodeWithNodeType(graph, "InputLayer")
    if debug:
        for u in nx.topological_sort(graph):
            for _, v in graph.out_edges(u):
                if v not in _ENDS:
                    print("... calling", graph.nodes[v]["layer"][0].name, graph.nodes[v]["type"])
    return graph, sources


def GraphUpdateEdge(graph: nx.DiGraph, node_id: int, quantizer_on_edge: Any) -> None:
    """Put quantizer_on_edge on every edge leaving node_id."""
    for _, v in graph.out_edges(node_id):
        graph[node_id][v]["quantizer"] = quantizer_on_edge


__all__ = ["SOURCE", "SINK", "WrongInputQuantizerError", "GraphRemoveNode", "GraphRemoveNodeWithNodeType",
           "GraphAddHiddenInputLayer", "GraphAddSingleSourceSingleSink", "GenerateGraphFromModel",
           "GraphGetInputs", "GraphGetOutputs", "GraphPropagateActivationsToEdges", "PrintGraph", "CreateGraph",
           "GraphUpdateEdge", "activation_on_edges", "layer_nodes", "source_quantizers"]
