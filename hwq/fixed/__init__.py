"""hwq's one arithmetic truth: number formats, rounding, overflow and exact mantissa arithmetic."""

from hwq.fixed.carrier import as_carrier, carrier_for_bits, max_bits, shift_left
from hwq.fixed.fixed_type import FixedType, bits_for_range, fitting_type
from hwq.fixed.intervals import DotBounds, Interval, dot_bounds
from hwq.fixed.kinds import (
                             BinaryType,
                             HwKind,
                             LookupTable,
                             Po2Scale,
                             Po2ScaledType,
                             Po2Type,
                             TernaryType,
                             fitting_fixed_type,
                             kind_from_dict,
                             kind_to_dict,
                             on_grid,
)
from hwq.fixed.modes import Overflow, Rounding
from hwq.fixed.ops import add, cast, multiply, product_type, quantize, sum_type, to_float
from hwq.fixed.overflow import apply_overflow
from hwq.fixed.rounding import round_float, round_shift
from hwq.fixed.spelling import ac_spelling, ap_spelling, parse_type, verilog_decl

__all__ = [
    "FixedType", "Interval", "DotBounds", "dot_bounds", "Rounding", "Overflow", "fitting_type", "bits_for_range",
    "quantize", "cast", "to_float", "multiply", "add", "product_type", "sum_type",
    "round_shift", "round_float", "apply_overflow", "as_carrier", "carrier_for_bits", "max_bits", "shift_left",
    "ap_spelling", "ac_spelling", "verilog_decl", "parse_type",
    "Po2Type", "BinaryType", "TernaryType", "Po2Scale", "Po2ScaledType", "LookupTable", "HwKind",
    "fitting_fixed_type", "on_grid", "kind_to_dict", "kind_from_dict",
]
