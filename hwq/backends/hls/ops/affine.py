"""affine: y[..., c] = bias[c] + x[..., c] * w[c], one product per element, in the accumulator type.

The output element is its accumulator, as in dense (kernel.py): it starts from the bias and takes the one
product (or, for shift-kind weights, the one shifted term) with `+=`. In the shift-add form (shift_add.py) a
function computes each row of channels.
"""

from __future__ import annotations

from hwq.backends.hls.loops import index_vars
from hwq.backends.hls.ops.context import PrintContext, Printed, op_template
from hwq.backends.hls.ops.kernel import (
    integer_form,
    integer_read,
    integer_start,
    integer_store,
    integer_weights,
    product,
    shifted,
    start,
)
from hwq.backends.hls.ops.shift_add import per_row, uses_shift_add
from hwq.ir import Node


def print_affine(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    if uses_shift_add(node):
        return per_row(ctx, node, f"affine over {x.shape[-1]} channels")
    loops, (x_at,), y = ctx.elementwise(node)
    channel = f"[{index_vars(len(x.shape))[-1]}]"  # the last axis's counter in the elementwise nest
    if integer_form(node, x.type):
        first, params = integer_start(ctx, node, channel)
        weights = integer_weights(ctx, node, x.type)
        store = integer_store(ctx, node, y, f"{first} + {integer_read(ctx, x.type, x_at)} * {weights.name}{channel}")
        comment = (f"affine over {x.shape[-1]} channels: y = {'bias[c] + ' if 'bias' in node.params else ''}x * w[c] "
                   f"on mantissas in int64_t, stored into {ctx.spell(node.attrs['accumulator'])}, exact; weights "
                   f"{ctx.spell(node.params['kernel'].type)}")
        return Printed(op_template("store"), comment, {"loops": loops, "store": store}, params + [weights])
    first, params = start(ctx, node, channel)
    mac, weights = product(ctx, node, x.type, loops.pad, y, x_at, channel)
    how = (f"{node.attrs['multiplier']} weights (each 0 or +-2^e) as shifts, no multiplier" if shifted(node)
           else f"weights {ctx.spell(node.params['kernel'].type)}")
    comment = (f"affine over {x.shape[-1]} channels: y = {'bias[c] + ' if 'bias' in node.params else ''}x * w[c] "
               f"in {ctx.spell(node.attrs['accumulator'])}, exact; {how}")
    return Printed(op_template("affine"), comment, {"loops": loops, "y": y, "start": first, "product": mac},
                   params + weights)
