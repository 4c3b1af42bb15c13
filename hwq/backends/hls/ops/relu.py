"""relu: max(x, 0), exact: the output keeps the input's fraction bits and holds its non-negative range."""

from __future__ import annotations

from hwq.backends.hls.ops.context import PrintContext, Printed, op_template
from hwq.ir import Node


def print_relu(ctx: PrintContext, node: Node) -> Printed:
    loops, (src,), dst = ctx.elementwise(node)
    comment = f"relu: max(x, 0) into {ctx.spell(node.output.type)}, exact"
    return Printed(op_template("relu"), comment, {"loops": loops, "y": dst, "x": src})
