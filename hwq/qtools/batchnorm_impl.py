"""QKeras' qtools batch normalization (`qkeras.qtools.quantized_operators.qbn_factory` and `fused_bn_factory`):
the internal types of y = gamma · (x − mean) / stddev + beta, and of a normalization folded into the layer
before it. Both compose the divider, multiplier and adder objects, so every width comes from hwq.qtools.qtypes.
"""

from __future__ import annotations

import copy
from typing import Any

from hwq.qtools.adder_impl import IAdder
from hwq.qtools.divider_impl import IDivider
from hwq.qtools.multiplier_impl import IMultiplier, MultiplierFactory
from hwq.qtools.qtypes import stddev_type
from hwq.qtools.quantizer_impl import FloatingPoint, IQuantizer, as_quantizer


class QBNFactory:
    """QKeras' QBNFactory: make_quantizer(...) sets internal_divide_quantizer (gamma / stddev, or x / stddev
    without scale), internal_multiplier (that quotient times x, with scale), internal_accumulator (plus beta,
    with center) and internal_output (the last of them)."""

    def make_quantizer(self, input_quantizer: Any, gamma_quantizer: Any, beta_quantizer: Any, mean_quantizer: Any,
                       variance_quantizer: Any, use_scale: bool, use_center: bool) -> None:
        self.input_quantizer, self.gamma_quantizer = input_quantizer, gamma_quantizer
        self.beta_quantizer, self.mean_quantizer = beta_quantizer, mean_quantizer
        self.variance_quantizer, self.use_scale, self.use_center = variance_quantizer, use_scale, use_center

        variance = as_quantizer(variance_quantizer)
        stddev = copy.deepcopy(variance)
        if variance.is_po2:
            stddev._take(stddev_type(variance.to_qtype()))
        multiplier = accumulator = None
        if use_scale:
            gamma = as_quantizer(gamma_quantizer)
            divider = IDivider().make_quantizer(gamma, stddev)
            # known weights: the quotient takes at most (gamma values) × (stddev values) distinct values
            count = _value_count(gamma)
            count = count * _value_count(stddev) if count > 0 and _value_count(stddev) > 0 else -1
            if count > 0:
                divider.output.inference_value_counts = count
            multiplier = MultiplierFactory().make_multiplier(divider.output, input_quantizer)
            scaled: Any = multiplier
        else:
            divider = IDivider().make_quantizer(input_quantizer, stddev)
            scaled = divider
        if use_center:
            accumulator = IAdder().make_quantizer(scaled.output, beta_quantizer)
        self.internal_divide_quantizer = divider
        self.internal_multiplier = multiplier
        self.internal_accumulator = accumulator
        self.internal_output = accumulator if use_center else scaled


def _value_count(q: IQuantizer) -> int:
    return int(getattr(q, "inference_value_counts", -1)) if q.is_po2 else -1


class FusedBNFactory:
    """QKeras' FusedBNFactory: z = inv · x − fused_bias with fused_bias = inv · bias + beta − inv · mean, where
    inv = gamma / sqrt(variance + epsilon) is held in the normalization's inverse_quantizer. make_quantizer
    sets internal_accumulator and internal_output (the same adder)."""

    def make_quantizer(self, prev_output_quantizer: Any, beta_quantizer: Any, mean_quantizer: Any,
                       inverse_quantizer: Any, prev_bias_quantizer: Any, use_beta: bool, use_bias: bool,
                       qkeras_inverse_quantizer: Any) -> None:
        inverse = as_quantizer(inverse_quantizer)
        assert not isinstance(inverse, FloatingPoint), \
            "inverse_quantizer in batchnorm layer has to be set for fused bn inference in hardware!"
        multipliers = MultiplierFactory()
        adders = IAdder()
        multiplier_x = _scaled(multipliers.make_multiplier(inverse, prev_output_quantizer), qkeras_inverse_quantizer)
        multiplier_mean = _scaled(multipliers.make_multiplier(inverse, mean_quantizer), qkeras_inverse_quantizer)
        bias_terms: Any = multiplier_mean
        if use_bias:
            multiplier_bias = _scaled(multipliers.make_multiplier(inverse, prev_bias_quantizer),
                                      qkeras_inverse_quantizer)
            bias_terms = adders.make_quantizer(multiplier_bias.output, multiplier_mean.output)
        if use_beta:
            bias_terms = adders.make_quantizer(bias_terms.output, beta_quantizer)
        adder = adders.make_quantizer(multiplier_x.output, bias_terms.output)
        self.internal_accumulator = adder
        self.internal_output = adder


def _scaled(multiplier: IMultiplier, qkeras_quantizer: Any) -> IMultiplier:
    """The multiplier widened in place for an auto_po2 inverse quantizer (QKeras changes it in place too),
    by hwq's rule for that (hwq.qtools.auto_po2, which works on hwq's immutable record)."""
    from hwq.qtools.auto_po2 import adjust_multiplier_for_auto_po2

    adjusted = adjust_multiplier_for_auto_po2(multiplier.to_record(), qkeras_quantizer)
    multiplier.output._take(adjusted.output)
    return multiplier


__all__ = ["QBNFactory", "FusedBNFactory"]
