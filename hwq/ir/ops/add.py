"""add: the elementwise sum of two or more values of one shape, exact."""

from __future__ import annotations

from hwq.fixed import Interval
from hwq.fixed.intervals import sum_of
from hwq.ir.op import register
from hwq.ir.ops.align import aligned
from hwq.ir.ops.merge import Merge


@register
class Add(Merge):
    name = "add"
    arity = (2, None)
    doc = "y = x0 + x1 + ..., elementwise, exact in the output type"

    def bound(self, node, inputs):
        return sum_of([Interval.of_type(v.type) for v in inputs])

    def evaluate(self, node, xs, types):
        out = node.output.type
        total = aligned(xs[0], types[0], out)
        for x, t in zip(xs[1:], types[1:], strict=True):
            total = total + aligned(x, t, out)
        return total
