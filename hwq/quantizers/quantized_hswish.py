"""quantized_hswish: MobileNetV3's hard swish, x·min(relu(x + relu_shift), relu_upper_bound)/relu_upper_bound,
then quantized_bits. A curve, so a lookup table over the input type in hardware."""

from __future__ import annotations

from typing import Any

import numpy as np
from keras import ops

from hwq.fixed import FixedType, HwKind, LookupTable, Po2ScaledType
from hwq.quantizers.base import changed_settings, format_call, plain
from hwq.quantizers.quantized_bits import quantized_bits
from hwq.quantizers.registry import register_quantizer


@register_quantizer
class quantized_hswish(quantized_bits):
    """hswish(x) quantized by quantized_bits(bits, integer, symmetric, alpha=...)."""

    def __init__(self, bits: int = 8, integer: int = 0, symmetric=0, alpha=None, use_stochastic_rounding: bool = False,
                 scale_axis=None, qnoise_factor: float = 1.0, var_name: str | None = None,
                 use_variables: bool = False, relu_shift: float = 3, relu_upper_bound: float = 6) -> None:
        super().__init__(bits=bits, integer=integer, symmetric=symmetric, keep_negative=True, alpha=alpha,
                         use_stochastic_rounding=use_stochastic_rounding, scale_axis=scale_axis,
                         qnoise_factor=qnoise_factor, var_name=var_name, use_variables=use_variables)
        if not relu_upper_bound > 0 or not relu_shift > 0:
            raise ValueError(f"quantized_hswish: relu_shift and relu_upper_bound must be positive, got "
                             f"{relu_shift!r} and {relu_upper_bound!r}")
        self.relu_shift = relu_shift
        self.relu_upper_bound = relu_upper_bound

    def hswish(self, x):
        shifted = x + self.relu_shift
        bounded = ops.where(shifted <= self.relu_upper_bound, ops.relu(shifted),
                            ops.ones_like(shifted) * self.relu_upper_bound)
        return x * bounded / self.relu_upper_bound

    def quantize(self, x, training: bool | None):
        return super().quantize(self.hswish(x), training)

    def hw_kind(self) -> HwKind:
        """A table over the input type, entries on quantized_bits' grid."""
        grid = super().hw_kind()
        if isinstance(grid, Po2ScaledType):
            if not grid.scale.is_uniform or isinstance(self.alpha, str):
                raise self.unsupported(f"alpha={plain(self.alpha)!r} as an activation (per-channel scales)",
                                       "alpha None or one power of two")
            grid = grid.enclosing_type()
        return LookupTable(grid, str(self))

    def hw_type_and_shift(self) -> tuple[FixedType, int]:
        raise self.unsupported("a hard-swish curve (a lookup table)", "see hw_kind()")

    def min(self) -> float:
        """The grid's minimum, or the quantized bottom of the parabola x·(x + shift)/bound when that is higher."""
        lowest = super().min()
        parabola = -self.relu_shift ** 2 / (4.0 * self.relu_upper_bound)
        if lowest >= parabola:
            return lowest
        bottom = quantized_bits.quantize(self, ops.convert_to_tensor([parabola], "float32"), False)[1]
        return float(np.asarray(bottom)[0])

    def get_config(self) -> dict[str, Any]:
        return {"bits": self.bits, "integer": self.integer, "symmetric": plain(self.symmetric),
                "alpha": plain(self.alpha), "use_stochastic_rounding": self.use_stochastic_rounding,
                "scale_axis": plain(self.scale_axis), "qnoise_factor": plain(self.qnoise_factor),
                "var_name": self.var_name, "use_variables": self.use_variables,
                "relu_shift": plain(self.relu_shift), "relu_upper_bound": plain(self.relu_upper_bound)}

    def __str__(self) -> str:
        config = self.get_config()
        defaults = {"alpha": None, "use_stochastic_rounding": False, "scale_axis": None, "qnoise_factor": 1.0,
                    "var_name": None, "use_variables": False, "relu_shift": 3, "relu_upper_bound": 6}
        return format_call("quantized_hswish", [self.bits, self.integer, int(bool(self.symmetric))],
                           changed_settings(config, defaults))
