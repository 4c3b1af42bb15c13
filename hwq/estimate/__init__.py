"""QKeras' estimate module for hwq: accumulator sizes, operation kinds and counts, model statistics.

Accumulator sizes come from hwq.analysis.dense_accumulator, the analysis that sizes the IR's
accumulators for the backends, applied to each layer's exact integer weights.
"""

from hwq.estimate.accumulator import accumulator_bounds, analyze_accumulator, analyze_accumulator_from_sample
from hwq.estimate.activations import create_activation_cache
from hwq.estimate.operations import get_operation_type
from hwq.utils.qstats import extract_model_operations, get_quant_mode, print_qstats

__all__ = ["analyze_accumulator", "analyze_accumulator_from_sample", "accumulator_bounds",
           "create_activation_cache", "extract_model_operations", "get_operation_type", "get_quant_mode",
           "print_qstats"]
