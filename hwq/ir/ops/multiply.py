"""multiply: the elementwise product of two or more values of one shape, exact."""

from __future__ import annotations

from hwq.fixed import Interval
from hwq.fixed.carrier import as_carrier, shift_left
from hwq.fixed.intervals import product_of
from hwq.ir.op import carrier, register
from hwq.ir.ops.merge import Merge


@register
class Multiply(Merge):
    name = "multiply"
    arity = (2, None)
    doc = "y = x0 * x1 * ..., elementwise, exact in the output type"

    def bound(self, node, inputs):
        return product_of([Interval.of_type(v.type) for v in inputs])

    def evaluate(self, node, xs, types):
        out = node.output.type
        dtype = carrier(out)
        # every factor's range holds 1 or -1, so no partial product is larger in magnitude than the product's
        # proven bound: the output carrier holds each one exactly
        y = as_carrier(xs[0], dtype)
        for x in xs[1:]:
            y = y * as_carrier(x, dtype)
        return shift_left(y, out.frac - sum(t.frac for t in types))
