"""What the data-movement ops (reshape, transpose) share: the output is the input's values, unchanged."""

from __future__ import annotations

from hwq.fixed import Interval
from hwq.ir.op import IRError, Op


class Movement(Op):
    """An op that only moves values: its output type is its input's number format."""

    def bound(self, node, inputs):
        return Interval.of_type(inputs[0].type)

    def infer_type(self, node, inputs):
        return inputs[0].type

    def check(self, node, inputs):
        a, b = inputs[0].type, node.output.type
        if (a.width, a.integer, a.signed) != (b.width, b.integer, b.signed):
            raise IRError(f"node {node.name!r} ({node.op}) moves values without changing them: its output type {b} "
                          f"must be its input's {a}")
