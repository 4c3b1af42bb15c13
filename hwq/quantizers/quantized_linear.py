"""quantized_linear: QKeras' newer linear quantizer — scale, clip, round, scale back.

quantization_scale qs = alpha · 2^(integer − bits + keep_negative) (alpha = 1 when None; computed
from the tensor for 'auto'/'auto_po2'); xq = qs · round(clip(x/qs, clip_min, clip_max)) with
clip_min = keep_negative·(−2^(bits−k) + symmetric), clip_max = 2^(bits−k) − 1, round = half to even.
Unlike quantized_bits, alpha scales *before* rounding, so a power-of-two alpha is just a type with
its binary point moved. bits=1 signed is a sign function onto ±qs/2 (0 -> +qs/2).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from hwq.fixed import BinaryType, FixedType, HwKind, Po2Scale, Po2ScaledType
from hwq.quantizers import auto_scale
from hwq.quantizers.alpha import AUTO_ALPHAS, check_alpha, eager_numpy
from hwq.quantizers.base import plain
from hwq.quantizers.linear_grid import LinearGrid
from hwq.quantizers.registry import register_quantizer

ALPHA_STRING_OPTIONS = AUTO_ALPHAS
PO2_ROUNDS = 5


@register_quantizer
class quantized_linear(LinearGrid):
    """Linear quantization onto 2^bits evenly spaced levels (see the module docstring)."""

    ALPHA_STRING_OPTIONS = ALPHA_STRING_OPTIONS

    def __init__(self, bits: int = 8, integer: int = 0, symmetric=1, keep_negative=True, alpha=None,
                 use_stochastic_rounding: bool = False, scale_axis=None, qnoise_factor: float = 1.0,
                 var_name: str | None = None, use_variables: bool = False) -> None:
        super().__init__(use_stochastic_rounding, qnoise_factor, var_name, True, use_variables)
        self._init_grid(bits, integer, symmetric, keep_negative)
        self.alpha = check_alpha(alpha)
        self.scale_axis = scale_axis
        self.quantization_scale = self.default_quantization_scale
        self._scale_from_data = False  # set once an 'auto*' call has computed the scales

    # -- QKeras' scales ------------------------------------------------------------------------------

    @property
    def auto_alpha(self) -> bool:
        return isinstance(self.alpha, str)

    @property
    def use_sign_function(self) -> bool:
        return self.bits == 1 and bool(self.keep_negative)

    @property
    def data_type_scale(self) -> float:
        return 2.0 ** (self.integer - self._unsigned_bits)

    @property
    def default_quantization_scale(self):
        if self.alpha is None or self.auto_alpha:
            return self.data_type_scale
        return np.asarray(self.alpha, dtype=np.float32) * np.float32(self.data_type_scale)

    @property
    def scale(self):
        """quantization_scale / data_type_scale (what a fixed alpha would be)."""
        with np.errstate(over="ignore"):  # a scale near float32's top may overflow here; hw_kind() refuses it
            return np.asarray(self.quantization_scale, dtype=np.float32) / np.float32(self.data_type_scale)

    def get_clip_bounds(self) -> tuple[float, float]:
        if self.use_sign_function:
            return -0.5, 0.5
        return self._level_bounds()

    # -- forward ----------------------------------------------------------------------------------------

    def quantize(self, x, training: bool | None):
        qs = self._auto_scale(x) if self.auto_alpha else ops.convert_to_tensor(self.quantization_scale, "float32")
        lo, hi = self.get_clip_bounds()
        clipped = ops.clip(x / qs, lo, hi)
        # the gradient is 1 inside the clip range and 0 outside, as QKeras' rounding-only STE gives
        reference = clipped * qs
        return reference, self._round_scaled(clipped, training) * qs

    def _round_scaled(self, clipped, training):
        # a sign function rounds around the half step (0 -> +1/2), everything else to the nearest integer
        shift = 0.5 if self.use_sign_function else 0.0
        return self._round(clipped - shift, training) + shift

    def __call__(self, x, training: bool | None = None):
        x = ops.cast(x, "float32")
        reference, xq = self.quantize(x, training)
        q = self.qnoise_factor
        if isinstance(q, (int, float)) and float(q) == 1.0:
            return ops.stop_gradient(xq) + (reference - ops.stop_gradient(reference))
        # QKeras: x + q·(xq − x), with xq carrying the straight-through gradient of the clip
        return x + q * ((reference + ops.stop_gradient(xq - reference)) - x)

    def _auto_scale(self, x):
        lo, hi = self.get_clip_bounds()
        axes = auto_scale.reduce_axes(len(x.shape), self.scale_axis)
        top = ops.abs(x) if self.keep_negative else x
        if axes:  # a 1-D tensor (no axis to reduce) gets one scale per element, as in QKeras
            top = ops.max(top, axis=axes, keepdims=True)
        qs = top * 2.0 / (hi - lo) if self.keep_negative else top / (hi - lo)
        qs = ops.maximum(qs, keras.config.epsilon())
        if self.alpha == "auto_po2":
            qs = auto_scale.round_to_po2(qs)
            # least squares until the scale stops moving (at most 5 rounds; once for a sign function);
            # a fixed point stays fixed, so running every round gives the same result
            for _ in range(1 if self.use_sign_function else PO2_ROUNDS):
                levels = self._round_scaled(ops.clip(x / qs, lo, hi), False)
                qs = auto_scale.least_squares_scale("auto_po2", x, levels, self.scale_axis)
        qs = ops.stop_gradient(qs)
        value = eager_numpy(qs)
        if value is not None:
            self.quantization_scale = value
            self._scale_from_data = True
        return qs

    def _set_trainable_parameter(self) -> None:
        if self.alpha is None:
            self.alpha = "auto_po2"
            self.symmetric = True

    # -- hardware ------------------------------------------------------------------------------------

    supported = ("quantized_linear with alpha None, a power of two (per channel too) or 'auto_po2' (after a "
                 "call), qnoise_factor=1.0")

    def hw_kind(self) -> HwKind:
        """ap_fixed<bits, integer+1> (ap_ufixed<bits, integer>) with its binary point moved by a power-of-two
        alpha, per channel where alpha differs; binary ±qs/2 for bits=1 signed."""
        self._check_qnoise()
        scale = self._scale_exponents()
        if self.use_sign_function:
            # ±1/2 · qs = ±2^(integer − 1) · alpha
            return BinaryType(False, Po2Scale(tuple(e + self.integer - 1 for e in scale.exponents), scale.shape))
        t = self._fixed_type()
        if scale.is_uniform:
            shifted = FixedType(t.width, t.integer + scale.exponents[0], t.signed, t.rounding, t.overflow)
            self._check_float32(shifted)
            return shifted
        self._check_float32_scaled(t, scale)
        return Po2ScaledType(t, scale, prescaled=True)

    def hw_type_and_shift(self) -> tuple[FixedType, int]:
        kind = self.hw_kind()
        if not isinstance(kind, FixedType):
            raise self.unsupported(f"a {type(kind).__name__} grid ({kind})", "see hw_kind()")
        return kind, 0

    def _scale_exponents(self) -> Po2Scale:
        """log2(alpha) per channel: the data type scale is already in the base type."""
        if self.alpha is None:
            return Po2Scale.uniform(0)
        if isinstance(self.alpha, str) and self.alpha == "auto":
            raise self.unsupported("alpha='auto' (a float scale per channel, not a power of two)",
                                   "alpha='auto_po2' or a power-of-two alpha")
        if isinstance(self.alpha, str) and not self._scale_from_data:
            raise self.unsupported("alpha='auto_po2' before any call (its per-channel scales come from the tensor: "
                                   "call the quantizer on the weights first)")
        try:
            return Po2Scale.from_factors(self.scale)
        except ValueError:
            raise self.unsupported(f"alpha={plain(self.alpha)!r} (not a power of two)") from None

    # -- QKeras' range helpers ------------------------------------------------------------------------

    def max(self):
        return self.get_clip_bounds()[1] * np.asarray(self.quantization_scale, dtype=np.float32)

    def min(self):
        return self.get_clip_bounds()[0] * np.asarray(self.quantization_scale, dtype=np.float32)

    def range(self) -> np.ndarray:
        """Every value: 0, 1, ..., clip_max then clip_min, ..., −1 (times the scale), as QKeras orders them."""
        qs = np.asarray(self.quantization_scale, dtype=np.float32)
        if self.use_sign_function:
            return np.array([self.max(), self.min()], dtype=np.float32)
        lo, hi = (int(b) for b in self.get_clip_bounds())
        levels = np.concatenate([np.arange(hi + 1), np.arange(lo, 0)]).astype(np.float32)
        return qs * levels

    # -- serialization ----------------------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        return {"bits": self.bits, "integer": self.integer, "symmetric": plain(self.symmetric),
                "alpha": plain(self.alpha), "keep_negative": plain(self.keep_negative),
                "use_stochastic_rounding": self.use_stochastic_rounding, "scale_axis": plain(self.scale_axis),
                "qnoise_factor": plain(self.qnoise_factor), "var_name": self.var_name,
                "use_variables": self.use_variables}

    def __str__(self) -> str:
        return self._qkeras_call("quantized_linear", {"scale_axis": None, "qnoise_factor": 1.0, "var_name": None,
                                                      "use_variables": False})

