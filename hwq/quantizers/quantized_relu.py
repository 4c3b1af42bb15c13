"""quantized_relu: QKeras' ReLU followed by unsigned fixed-point quantization."""

from __future__ import annotations

from typing import Any

import numpy as np
from keras import ops

from hwq.fixed import FixedType, HwKind, LookupTable, Overflow, Rounding, fitting_fixed_type
from hwq.quantizers.base import BaseQuantizer, as_int, format_call, plain, power_of_two_exponent
from hwq.quantizers.registry import register_quantizer
from hwq.quantizers.sigmoid_functions import internal_sigmoid

SUPPORTED = ("quantized_relu(bits, integer) with use_sigmoid=0, negative_slope=0, qnoise_factor=1.0 "
             "and no relu_upper_bound below the grid's top (is_quantized_clip=True ignores it)")


@register_quantizer
class quantized_relu(BaseQuantizer):
    """ReLU quantized to `bits` unsigned bits, `integer` of them left of the binary point.

    xq = m_i · clip(round(x·m/m_i)/m, 0, 1 − 1/m) with m = 2**bits, m_i = 2**integer, round = half to
    even: ap_ufixed<bits, integer> with saturation (rounding happens before negatives clip to 0).
    The straight-through gradient follows the clipped ReLU (0 below 0 and above the grid's top).
    """

    def __init__(self, bits: int = 8, integer: int = 0, use_sigmoid=0, negative_slope: float = 0.0,
                 use_stochastic_rounding: bool = False, relu_upper_bound: float | None = None,
                 is_quantized_clip: bool = True, qnoise_factor: float = 1.0, var_name: str | None = None,
                 use_ste: bool = True, use_variables: bool = False) -> None:
        super().__init__(use_stochastic_rounding, qnoise_factor, var_name, use_ste, use_variables)
        self.bits = as_int("bits", bits, minimum=1)
        self.integer = as_int("integer", integer)
        if negative_slope < 0 or (negative_slope != 0 and power_of_two_exponent(negative_slope) is None):
            raise ValueError(f"negative_slope must be 0 or a positive power of two, got {negative_slope!r}")
        self.use_sigmoid = use_sigmoid
        self.negative_slope = negative_slope
        self.relu_upper_bound = relu_upper_bound
        self.is_quantized_clip = is_quantized_clip

    # -- forward --------------------------------------------------------------------------------

    @property
    def _non_sign_bits(self) -> int:
        # a leaky slope spends one bit on the sign of the negative side
        return self.bits - (1 if self.negative_slope != 0 else 0)

    def quantize(self, x, training: bool | None):
        m = 2.0 ** self._non_sign_bits
        m_i = 2.0 ** self.integer
        top = m_i - 2.0 ** (self.integer - self._non_sign_bits)
        slope = float(self.negative_slope)
        relu = ops.leaky_relu(x, negative_slope=slope)
        # the float ReLU whose gradient the quantized output takes (QKeras' x_u)
        if self.is_quantized_clip:
            reference = ops.where(x <= top, relu, ops.ones_like(x) * top)
        elif self.relu_upper_bound is not None:
            reference = ops.where(x <= self.relu_upper_bound, relu, ops.ones_like(x) * self.relu_upper_bound)
        else:
            reference = relu
        if self.use_sigmoid:
            xq = self._quantize_sigmoid(x, m, m_i, slope, training)
        else:
            p = x * m / m_i
            xq = m_i * ops.clip(self._round(p, training) / m, 0.0, 1.0 - 1.0 / m)
            if slope > 0:
                xq = xq + m_i * slope * ops.clip(self._round(p * slope, training) * (1.0 / (slope * m)), -1.0, 0.0)
        if self.relu_upper_bound and not self.is_quantized_clip:
            xq = ops.where(xq <= self.relu_upper_bound, xq, ops.ones_like(xq) * self.relu_upper_bound)
        return reference, xq

    def _quantize_sigmoid(self, x, m: float, m_i: float, slope: float, training):
        # the internal sigmoid (hard by default: clip(x/2 + 1/2, 0, 1)), see set_internal_sigmoid
        p = internal_sigmoid(x / m_i) * m
        xq = m_i * ops.clip(2.0 * (self._round(p, training) / m) - 1.0, 0.0, 1.0 - 1.0 / m)
        if slope > 0:
            neg = ops.clip(2.0 * (self._round(p * slope, training) * (1.0 / (slope * m))) - 1.0, -1.0, 0.0)
            xq = xq + m_i * slope * neg
        return xq

    # -- hardware ---------------------------------------------------------------------------------

    supported = SUPPORTED

    def hw_kind(self) -> HwKind:
        """ap_ufixed<bits, integer>; a lookup table where the curve is not one rounding of x (a sigmoid
        before quantizing, a leaky slope, an upper bound inside the grid)."""
        self._check_qnoise()
        if not (self.use_sigmoid or self.negative_slope != 0 or self._bound_inside_grid()):
            return self.hw_type()
        m_i, slope = 2.0 ** self.integer, float(self.negative_slope)
        lsb = 2.0 ** (self.integer - self._non_sign_bits)
        # the grid's step and ends; with a slope the negative side reaches −slope·2^integer in steps that
        # may be finer (slope·2^integer itself can be below one step of the positive grid)
        corners = [0.0, lsb, m_i - lsb] + ([-slope * m_i, slope * m_i] if slope else [])
        if self._bound_inside_grid():  # the bound itself becomes an output value
            corners.append(float(np.float32(self.relu_upper_bound)))
        out = fitting_fixed_type(corners)
        return LookupTable(out, str(self))

    def _bound_inside_grid(self) -> bool:
        if not self.relu_upper_bound or self.is_quantized_clip:
            return False
        top = 2.0 ** self.integer - 2.0 ** (self.integer - self._non_sign_bits)
        return float(np.float32(self.relu_upper_bound)) < top

    def hw_type_and_shift(self) -> tuple[FixedType, int]:
        if self.use_sigmoid:
            raise self.unsupported(f"use_sigmoid={self.use_sigmoid!r} (a sigmoid before quantizing)")
        if self.negative_slope != 0:
            raise self.unsupported(f"negative_slope={self.negative_slope!r} (a leaky ReLU)")
        if self._bound_inside_grid():
            raise self.unsupported(f"relu_upper_bound={self.relu_upper_bound!r} with is_quantized_clip=False "
                                   "(a clip inside the grid)")
        self._check_qnoise()
        t = FixedType(self.bits, self.integer, False, Rounding.RND_CONV, Overflow.SAT)
        self._check_float32(t)
        return t, 0

    # -- QKeras' range helpers ----------------------------------------------------------------------

    def max(self) -> float:
        """QKeras' max(): max(1, 2**integer), not the largest representable value."""
        return max(1.0, 2.0 ** self.integer) if self._non_sign_bits > 0 else 1.0

    def min(self) -> float:
        if self.negative_slope == 0:
            return 0.0
        return min(-0.0, -self.negative_slope * 2.0 ** self.integer) if self.bits > 1 else -1.0

    def range(self) -> np.ndarray:
        """Every representable value, ascending."""
        if self.use_sigmoid or self.negative_slope:
            raise ValueError(f"{self}: range() is defined without use_sigmoid and negative_slope")
        return (np.arange(2 ** self.bits) * 2.0 ** (self.integer - self.bits)).astype(np.float32)

    # -- serialization ----------------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        return {
            "bits": self.bits, "integer": self.integer, "use_sigmoid": plain(self.use_sigmoid),
            "negative_slope": plain(self.negative_slope), "use_stochastic_rounding": self.use_stochastic_rounding,
            "relu_upper_bound": plain(self.relu_upper_bound), "is_quantized_clip": self.is_quantized_clip,
            "qnoise_factor": plain(self.qnoise_factor), "var_name": self.var_name, "use_ste": self.use_ste,
            "use_variables": self.use_variables,
        }

    def __str__(self) -> str:
        # bits and integer positionally (as QKeras writes them), every other non-default by keyword:
        # QKeras' positional tail is ambiguous when only negative_slope or stochastic rounding is set
        defaults = {"use_sigmoid": 0, "negative_slope": 0.0, "use_stochastic_rounding": False,
                    "relu_upper_bound": None, "is_quantized_clip": True, "qnoise_factor": 1.0, "var_name": None,
                    "use_ste": True, "use_variables": False}
        config = self.get_config()
        keywords = {k: config[k] for k, d in defaults.items() if config[k] != d}
        return format_call("quantized_relu", [self.bits, self.integer], keywords)
