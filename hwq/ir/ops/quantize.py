"""quantize: a cast to the output type, with its rounding and overflow modes (hwq.fixed.cast)."""

from __future__ import annotations

from hwq.fixed import cast
from hwq.ir.op import Op, carrier, register


@register
class Quantize(Op):
    name = "quantize"
    casts = True
    doc = "cast to the output type with its rounding and overflow"

    def evaluate(self, node, xs, types):
        return cast(xs[0], types[0], node.output.type, dtype=carrier(node.output.type))
