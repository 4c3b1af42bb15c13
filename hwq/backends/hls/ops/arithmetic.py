"""add, subtract, multiply: exact elementwise arithmetic.

ap_fixed and ac_fixed compute `a + b`, `a - b` and `a * b` in a full-precision result type (every
integer and fraction bit of both operands, plus the carry), so a chain of them never rounds or wraps;
the one assignment into the output type is exact because the verifier proved the output type holds
the result's range on a grid at least as fine. Operands are never cast to the output type first: the
output need not hold each operand's range (x in [-8, -1] plus y in [8, 15] fits an unsigned type).
"""

from __future__ import annotations

from hwq.backends.hls.ops.context import PrintContext, Printed, op_template
from hwq.fixed import FixedType
from hwq.ir import Node


def print_add(ctx: PrintContext, node: Node) -> Printed:
    return _chain(ctx, node, "+", _sum_type)


def print_subtract(ctx: PrintContext, node: Node) -> Printed:
    return _chain(ctx, node, "-", _sum_type)


def print_multiply(ctx: PrintContext, node: Node) -> Printed:
    return _chain(ctx, node, "*", _product_type)


def _chain(ctx: PrintContext, node: Node, operator: str, result_type) -> Printed:
    loops, operands, dst = ctx.elementwise(node)
    inputs = ctx.inputs(node)
    t = inputs[0].type
    for v in inputs[1:]:  # the headers' own intermediate types: refused here if the flavour cannot hold them
        t = result_type(t, v.type)
        ctx.flavour.check_type(t)
    names = f" {operator} ".join(ctx.array(v) for v in inputs)
    comment = (f"{node.op}: {names} at full precision ({t.width} bits), then exactly into "
               f"{ctx.spell(node.output.type)}, which holds the proven range")
    return Printed(op_template("assign"), comment, {"loops": loops, "y": dst, "expr": f" {operator} ".join(operands)})


def _sum_type(a: FixedType, b: FixedType) -> FixedType:
    """The type ap_fixed and ac_fixed give a + b (and a - b): both ranges, one more integer bit, signed if either."""
    signed = a.signed or b.signed
    integer = max(a.integer + (signed and not a.signed), b.integer + (signed and not b.signed)) + 1
    frac = max(a.frac, b.frac)
    return FixedType(integer + frac, integer, True)


def _product_type(a: FixedType, b: FixedType) -> FixedType:
    """The type the headers give a * b: the widths and integer bits add."""
    return FixedType(a.width + b.width, a.integer + b.integer, a.signed or b.signed)
