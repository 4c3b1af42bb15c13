"""A multiply node as Verilog: per element, the product of the inputs' mantissas, then the output's extra
fraction bits appended as zeros.

The product's fraction bits are the sum of the inputs'; the output has `shift` more. So y = p * 2^shift,
and modulo 2^W only p modulo 2^(W - shift) matters: each factor is extended (or cut) to W - shift bits
and multiplied there (see elementwise.py for why products modulo a power of two are exact).
"""

from __future__ import annotations

from typing import ClassVar

from hwq.backends.verilog.ops.elementwise import ElementwiseView, make_view, operands
from hwq.ir import Node, Value


class MultiplyView(ElementwiseView):
    op: ClassVar[str] = "multiply"


def multiply_view(node: Node, module: str, inputs: list[Value]) -> MultiplyView:
    out = node.output.type
    shift = out.frac - sum(v.type.frac for v in inputs)  # >= 0: the verifier proved the output's grid fine enough
    width = out.width - shift
    if width <= 0:  # every product is a multiple of 2^W: y is 0
        how = f"the product times 2^{shift} is 0 modulo 2^{out.width}"
        return make_view(MultiplyView, node, module, inputs, 0, [], f"{out.width}'d0", 0, how)
    ops = operands(node, inputs, width, [0] * len(inputs))
    how = f"each input extended to {width} bits, multiplied modulo 2^{width}" + \
        (f", then {shift} zero fraction bits appended" if shift else "")
    return make_view(MultiplyView, node, module, inputs, width, ops, " * ".join(a.name for a in ops), shift, how)
