"""What the data-movement ops share: the output is the input's number format, unchanged."""

from __future__ import annotations

from hwq.ir.op import IRError


def check_same_format(node, inputs) -> None:
    a, b = inputs[0].type, node.output.type
    if (a.width, a.integer, a.signed) != (b.width, b.integer, b.signed):
        raise IRError(f"node {node.name!r} ({node.op}) moves values without changing them: its output type {b} "
                      f"must be its input's {a}")
