"""qkeras.qtools.qgraph: a model as the networkx graph qtools walk (hwq.qtools.qgraph)."""

from hwq.qtools.qgraph import (
    SINK,
    SOURCE,
    CreateGraph,
    GenerateGraphFromModel,
    GraphAddHiddenInputLayer,
    GraphAddSingleSourceSingleSink,
    GraphGetInputs,
    GraphGetOutputs,
    GraphPropagateActivationsToEdges,
    GraphRemoveNode,
    GraphRemoveNodeWithNodeType,
    GraphUpdateEdge,
    PrintGraph,
    WrongInputQuantizerError,
)

__all__ = ["SOURCE", "SINK", "WrongInputQuantizerError", "GraphRemoveNode", "GraphRemoveNodeWithNodeType",
           "GraphAddHiddenInputLayer", "GraphAddSingleSourceSingleSink", "GenerateGraphFromModel",
           "GraphGetInputs", "GraphGetOutputs", "GraphPropagateActivationsToEdges", "PrintGraph", "CreateGraph",
           "GraphUpdateEdge"]
