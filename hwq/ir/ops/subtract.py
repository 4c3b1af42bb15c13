"""subtract: the elementwise difference of two values of one shape, exact."""

from __future__ import annotations

from hwq.fixed import Interval
from hwq.ir.op import register
from hwq.ir.ops.align import aligned
from hwq.ir.ops.merge import Merge


@register
class Subtract(Merge):
    name = "subtract"
    arity = (2, 2)
    doc = "y = x0 - x1, elementwise, exact in the output type"

    def bound(self, node, inputs):
        return Interval.of_type(inputs[0].type) - Interval.of_type(inputs[1].type)

    def evaluate(self, node, xs, types):
        out = node.output.type
        return aligned(xs[0], types[0], out) - aligned(xs[1], types[1], out)
