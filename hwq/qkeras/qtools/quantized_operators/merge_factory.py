"""qkeras.qtools.quantized_operators.merge_factory: merge layer types (hwq.qtools.merge_impl)."""

from hwq.qtools.merge_impl import (
    Add,
    Average,
    Concatenate,
    Dot,
    IMerger,
    Maximum,
    MergeFactory,
    Minimum,
    Multiply,
)

__all__ = ["MergeFactory", "IMerger", "Add", "Multiply", "Maximum", "Minimum", "Average", "Concatenate", "Dot"]
