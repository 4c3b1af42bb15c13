"""Analyses on weights and types: accumulator bounds (over hwq.fixed.intervals)."""

from hwq.analysis.accumulator import AccumulatorBounds, dense_accumulator

__all__ = ["AccumulatorBounds", "dense_accumulator"]
