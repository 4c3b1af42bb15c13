"""quantize: an assignment into the output type, whose rounding and overflow modes are the cast."""

from __future__ import annotations

from hwq.backends.hls.ops.context import PrintContext, Printed, label, op_template
from hwq.ir import Node


def print_quantize(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    out = node.output.type
    loops, (src,), dst = ctx.elementwise(node)
    if out.overflow_bounds == (0, 0):
        # the headers' own cast keeps -1 (flavour.check_cast refuses it); the exact result is the constant 0
        comment = f"quantize into {ctx.spell(out)}: a 1-bit signed type saturated symmetrically holds only 0"
        return Printed(op_template("assign"), comment, {"loops": loops, "y": dst, "expr": "0"})
    ctx.flavour.check_cast(x.type, out)
    via = ctx.flavour.cast_via(x.type, out)
    if via is not None:  # the headers need an exact, wider copy of the source first
        wide = ctx.typedef(f"{label(node)}_wide", via, f"{ctx.array(x)} sign-extended for the cast in {label(node)}")
        src = f"{wide}({src})"
    comment = f"quantize into {ctx.spell(out)}: the assignment rounds and overflows as the type says"
    return Printed(op_template("assign"), comment, {"loops": loops, "y": dst, "expr": src})

