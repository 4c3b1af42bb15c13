"""Analyses that annotate the IR: accumulator bounds, multiplier kinds."""

from hwq.analysis.accumulator import AccumulatorBounds, dense_accumulator
from hwq.analysis.multiplier import multiplier_kind

__all__ = ["AccumulatorBounds", "dense_accumulator", "multiplier_kind"]
