"""Every IR op, one file each; importing this package registers them all (hwq.ir.op.OPS)."""

from hwq.ir.ops import (  # noqa: F401
    add,
    affine,
    concatenate,
    conv,
    dense,
    multiply,
    padding,
    pool,
    quantize,
    recurrence,
    relu,
    reshape,
    scale,
    subtract,
    table,
    transpose,
)
