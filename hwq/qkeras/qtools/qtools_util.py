"""qkeras.qtools.qtools_util: layer classification, operation counts, weights (hwq.qtools.qtools_util)."""

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
           "is_shape_alternation_layers", "is_upsampled"]
