"""scale: y = x * 2**exponent, the same mantissa bits with the binary point moved: a raw bit copy.

The copy goes through the flavour's bit access (ap_fixed .range(), ac_fixed slc/set_slc), which works
at any width, so no int64 or wider arithmetic type stands in between.
"""

from __future__ import annotations

from hwq.backends.hls.ops.context import PrintContext, Printed, op_template
from hwq.ir import Node


def print_scale(ctx: PrintContext, node: Node) -> Printed:
    loops, (src,), dst = ctx.elementwise(node)
    out = node.output.type
    comment = (f"scale by 2^{node.attrs['exponent']}: the {out.width} mantissa bits copied into "
               f"{ctx.spell(out)}, the binary point moved")
    return Printed(op_template("scale"), comment, {"loops": loops, "copy": ctx.flavour.copy_bits(dst, src, out.width)})
