"""hwq's one IR boundary: typed values, nodes with integer parameters, a graph that serialises to JSON."""

from hwq.ir.graph import Graph
from hwq.ir.names import legal_identifier
from hwq.ir.node import Node
from hwq.ir.ops import MULTIPLIER_KINDS, OPS, SHIFT_KINDS, IRError
from hwq.ir.tensor import IntTensor
from hwq.ir.value import Value

__all__ = ["Graph", "Node", "Value", "IntTensor", "IRError", "OPS", "MULTIPLIER_KINDS", "SHIFT_KINDS",
           "legal_identifier"]
