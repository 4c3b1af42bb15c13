"""The HLS printers: {IR op name: printer}, one small module per op family.

A printer is `(PrintContext, Node) -> Printed` (see context.py). A new op adds its printer here and a
template under templates/hls/ops/; a flavour prints an op its own way by listing a printer in its
`printers` mapping, which printer_for() consults before this table.
"""

from __future__ import annotations

from types import MappingProxyType

from hwq.backends.hls.flavour import Flavour, UnsupportedError
from hwq.backends.hls.ops.affine import print_affine
from hwq.backends.hls.ops.arithmetic import print_add, print_multiply, print_subtract
from hwq.backends.hls.ops.context import PrintContext, Printed, Printer
from hwq.backends.hls.ops.conv import print_conv
from hwq.backends.hls.ops.dense import print_dense
from hwq.backends.hls.ops.movement import print_concatenate, print_reshape, print_transpose
from hwq.backends.hls.ops.padding import print_crop, print_pad, print_upsample
from hwq.backends.hls.ops.pool import print_pool
from hwq.backends.hls.ops.quantize import print_quantize
from hwq.backends.hls.ops.recurrence import print_recurrence
from hwq.backends.hls.ops.relu import print_relu
from hwq.backends.hls.ops.scale import print_scale
from hwq.backends.hls.ops.table import print_table

PRINTERS: MappingProxyType[str, Printer] = MappingProxyType({
    "dense": print_dense,
    "quantize": print_quantize,
    "relu": print_relu,
    "table": print_table,
    "add": print_add,
    "subtract": print_subtract,
    "multiply": print_multiply,
    "concatenate": print_concatenate,
    "reshape": print_reshape,
    "transpose": print_transpose,
    "scale": print_scale,
    "conv": print_conv,
    "pool": print_pool,
    "affine": print_affine,
    "pad": print_pad,
    "crop": print_crop,
    "upsample": print_upsample,
    "recurrence": print_recurrence,
})


def printer_for(flavour: Flavour, op: str) -> Printer:
    """The flavour's own printer for `op`, else the default one."""
    printer = flavour.printers.get(op) or PRINTERS.get(op)
    if printer is None:
        raise UnsupportedError(f"the HLS backend has no printer for op {op!r} (known: {', '.join(sorted(PRINTERS))})")
    return printer


__all__ = ["PRINTERS", "PrintContext", "Printed", "Printer", "printer_for"]
