"""qkeras.qtools.qtools_util: layer classification, operation counts, weights (hwq.qtools.qtools_util), and the
multiplier and accumulator widths of auto_po2 kernels (hwq.qtools.auto_po2)."""

from hwq.qtools.auto_po2 import (
    adjust_accumulator_for_auto_po2,
    adjust_multiplier_for_auto_po2,
    get_scale_from_quantized_bits_with_auto_po2,
)
from hwq.qtools.qtools_util import (
    find_divisors,
    get_operation_count,
    get_val,
    get_weights,
    is_merge_layers,
    is_shape_alternation_layers,
    is_upsampled,
)

__all__ = ["find_divisors", "get_operation_count", "get_val", "get_weights", "is_merge_layers",
           "is_shape_alternation_layers", "is_upsampled", "get_scale_from_quantized_bits_with_auto_po2",
           "adjust_multiplier_for_auto_po2", "adjust_accumulator_for_auto_po2"]
