"""hwq's one IR boundary: typed, shaped values, nodes with integer parameters, a DAG that serialises to JSON."""

from hwq.ir import ops as _ops  # noqa: F401  (registers every op)
from hwq.ir.graph import Graph
from hwq.ir.names import legal_identifier
from hwq.ir.node import Node
from hwq.ir.op import OPS, IRError, Op, get_op
from hwq.ir.ops.kernel import MULTIPLIER_KINDS, SHIFT_KINDS
from hwq.ir.tensor import IntTensor
from hwq.ir.value import Value

__all__ = ["Graph", "Node", "Value", "IntTensor", "IRError", "Op", "OPS", "get_op", "MULTIPLIER_KINDS",
           "SHIFT_KINDS", "legal_identifier"]
