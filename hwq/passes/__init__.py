"""Graph rewrites and analyses, run in ordered pipelines with the verifier after each."""

from hwq.ir.ops.kernel import multiplier_kind
from hwq.passes.choose_multipliers import choose_multipliers
from hwq.passes.pipeline import PIPELINES, Pass, run_passes, run_pipeline
from hwq.passes.size_accumulators import size_accumulators

__all__ = ["PIPELINES", "Pass", "run_passes", "run_pipeline", "size_accumulators", "choose_multipliers",
           "multiplier_kind"]
