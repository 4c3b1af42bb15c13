"""Pass: the hardware unit that multiplies an input by a weight (qtools' names), for every dense node.

A kind the frontend declared from the weights' quantizer (a power-of-two quantizer means shifts)
is kept; the verifier checks that it fits the weights. Nodes without one get it from the weights.
"""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType
from hwq.ir import Graph, IntTensor, get_op


def choose_multipliers(graph: Graph) -> Graph:
    """Every node whose op carries a multiplier kind over a constant kernel (dense today) gets one."""
    values = graph.values()
    for node in graph.nodes:
        if "multiplier" in get_op(node.op).annotations and "multiplier" not in node.attrs:
            node.attrs["multiplier"] = multiplier_kind(node.params["kernel"], values[node.inputs[0]].type)
    return graph


def multiplier_kind(kernel: IntTensor, x: FixedType) -> str:
    """'xor' when every weight is +-c (one power of two c): a negation and a fixed shift;
    'mux' when they are 0 or +-c; 'barrel' when every nonzero weight is a signed power of two;
    else a full multiplier, 'mult'."""
    m = np.abs(np.asarray(kernel.mantissa, dtype=object).ravel())
    nonzero = {int(v) for v in m if v != 0}
    if not nonzero or not all(v & (v - 1) == 0 for v in nonzero):
        return "mult"
    if len(nonzero) == 1:
        return "mux" if len(nonzero) < len(set(m.tolist())) else "xor"
    return "barrel"
