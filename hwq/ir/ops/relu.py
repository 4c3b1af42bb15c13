"""relu: max(x, 0), exact; the output drops the sign bit of a signed input."""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType, Interval
from hwq.fixed.carrier import as_carrier
from hwq.ir.op import IRError, Op, carrier, register


@register
class Relu(Op):
    name = "relu"
    doc = "max(x, 0), exact"

    def bound(self, node, inputs):
        return Interval.of_type(inputs[0].type).relu()

    def infer_type(self, node, inputs):
        t = inputs[0].type
        if t.signed and t.width == 1:  # {-1, 0} -> {0}: one unsigned bit on the same grid
            return FixedType(1, t.integer, False)
        if t.signed:  # the sign bit goes: it is 0 for every result
            return FixedType(t.width - 1, t.integer - 1, False)
        return FixedType(t.width, t.integer, False)

    def check(self, node, inputs):
        if node.output.type.frac != inputs[0].type.frac:
            raise IRError(f"node {node.name!r} (relu) keeps its input's mantissas: its output type "
                          f"{node.output.type} must have the input's {inputs[0].type.frac} fraction bits")

    def evaluate(self, node, xs, types):
        return as_carrier(np.maximum(xs[0], 0), carrier(node.output.type))
