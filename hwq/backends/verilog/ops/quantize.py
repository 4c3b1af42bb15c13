"""A quantize node as Verilog: per element, round away fraction bits (hwq_round), then overflow (hwq_saturate).

Python decides every shift, width and bound here, from hwq.fixed; the two Verilog helpers only
carry out the mode they are given. The value ranges after rounding come from hwq.fixed.round_shift
itself, so the decision "can this overflow?" uses the same rounding the simulator does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hwq.backends.verilog.expr import resize, signed_literal, signed_width
from hwq.backends.verilog.ops.base import NodeView, input_buses, output_bus
from hwq.fixed import FixedType, Overflow, ap_spelling, round_shift
from hwq.ir import Node, Value


@dataclass
class RoundStep:
    """hwq_round: drop `shift` low bits of the signed word s as `mode` says."""

    shift: int
    mode: str


@dataclass
class SaturateStep:
    """hwq_saturate: bring the signed word c (`width` bits) into [lo, hi], clamping (SAT) or zeroing (SAT_ZERO)."""

    width: int
    expr: str  # r resized to `width` bits
    mode: str
    lo: str
    hi: str


@dataclass
class QuantizeView(NodeView):
    op: ClassVar[str] = "quantize"
    n: int
    w_in: int
    w_out: int
    s_width: int  # the input element as a signed word s (one zero bit above an unsigned input)
    s_expr: str
    r_width: int  # s with its fraction bits aligned to the output: rounded, shifted left, or as is
    round: RoundStep | None
    r_expr: str  # when there is no rounding step
    saturate: SaturateStep | None
    y_expr: str  # when there is no saturation step: r wrapped (or exactly resized) to the output width


def quantize_view(node: Node, module: str, inputs: list[Value]) -> QuantizeView:
    src, dst = inputs[0].type, node.output.type
    n = node.output.size
    shift = src.frac - dst.frac
    s_width = src.width + (0 if src.signed else 1)
    if shift > 0:
        s_width = max(s_width, shift + 1)  # hwq_round keeps at least the sign bit above the dropped bits
    s_expr = resize("xi", src.width, src.signed, s_width)
    steps = []

    r_lo, r_hi = _aligned_range(src, shift, dst)
    rounding = None
    if shift > 0:
        rounding = RoundStep(shift, dst.rounding.value)
        r_width, r_expr = s_width - shift + 1, ""
        steps.append(f"drop {shift} fraction bits, rounding {dst.rounding.value} (hwq_round)")
    elif shift < 0:
        r_width, r_expr = s_width - shift, f"{{s, {-shift}'b0}}"
        steps.append(f"append {-shift} zero fraction bits")
    else:
        r_width, r_expr = s_width, "s"

    lo, hi = dst.overflow_bounds
    saturate = None
    if dst.overflow is not Overflow.WRAP and not lo <= r_lo <= r_hi <= hi:
        width = max(r_width, signed_width(lo, hi))
        mode = "SAT_ZERO" if dst.overflow is Overflow.SAT_ZERO else "SAT"
        saturate = SaturateStep(width, resize("r", r_width, True, width), mode,
                                signed_literal(lo, width), signed_literal(hi, width))
        action = "replace by 0 outside" if mode == "SAT_ZERO" else "saturate to"
        steps.append(f"{dst.overflow.value}: {action} [{lo}, {hi}] (hwq_saturate)")
    elif dst.overflow is Overflow.WRAP and not dst.contains(r_lo, r_hi):
        steps.append(f"WRAP: keep the low {dst.width} bits")
    else:
        steps.append(f"values [{r_lo}, {r_hi}] cannot overflow")
    y_expr = resize("r", r_width, True, dst.width)

    comment = [f"{node.name}: quantize, elementwise {ap_spelling(src)} -> {ap_spelling(dst)}", "; ".join(steps)]
    return QuantizeView(module, comment, input_buses(inputs), output_bus(node), n, src.width, dst.width, s_width,
                        s_expr, r_width, rounding, r_expr, saturate, y_expr)


def _aligned_range(src: FixedType, shift: int, dst: FixedType) -> tuple[int, int]:
    """Smallest and largest mantissa after aligning src's fraction bits to dst's (rounding is monotone)."""
    ends = np.array([src.min_mantissa, src.max_mantissa], dtype=object)
    ends = round_shift(ends, shift, dst.rounding) if shift > 0 else ends * (1 << -shift)
    return int(ends[0]), int(ends[1])


