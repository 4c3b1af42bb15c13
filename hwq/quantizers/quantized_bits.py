"""quantized_bits: QKeras' linear fixed-point quantizer (signed or unsigned, fixed or automatic scale)."""

from __future__ import annotations

from typing import Any

import numpy as np
from keras import ops

from hwq.fixed import BinaryType, FixedType, HwKind, Overflow, Po2Scale, Po2ScaledType, Rounding
from hwq.quantizers import auto_scale
from hwq.quantizers.alpha import AUTO_ALPHAS, eager_numpy
from hwq.quantizers.base import plain, power_of_two_exponent
from hwq.quantizers.linear_grid import LinearGrid
from hwq.quantizers.registry import register_quantizer

SUPPORTED = ("quantized_bits with alpha None or 1 (a power of two through hw_type_and_shift()), "
             "bits >= 2 when signed, qnoise_factor=1.0")


@register_quantizer
class quantized_bits(LinearGrid):
    """Quantize to `bits` bits, `integer` of them (sign excluded) left of the binary point.

    Fixed alpha (None, a float or a per-channel array): xq = alpha · m_i · clip(round(x·m/m_i), lo, m−1) / m
    with m = 2**(bits − keep_negative), m_i = 2**integer, lo = −m + symmetric (0 when keep_negative is
    False), round = half to even. Signed, that is ap_fixed<bits, integer+1> with saturation.
    alpha='auto'/'auto_po2' computes a per-channel scale from the tensor (see auto_scale) and stores
    it, times m, in `scale`.
    """

    def __init__(self, bits: int = 8, integer: int = 0, symmetric=0, keep_negative=True, alpha=None,
                 use_stochastic_rounding: bool = False, scale_axis=None, qnoise_factor: float = 1.0,
                 var_name: str | None = None, use_ste: bool = True, use_variables: bool = False,
                 elements_per_scale=None, min_po2_exponent: int | None = None,
                 max_po2_exponent: int | None = None, post_training_scale=None) -> None:
        super().__init__(use_stochastic_rounding, qnoise_factor, var_name, use_ste, use_variables)
        self._init_grid(bits, integer, symmetric, keep_negative)
        self.alpha = _check_alpha(alpha)
        self.scale_axis = scale_axis
        self.elements_per_scale = elements_per_scale
        self.min_po2_exponent = min_po2_exponent
        self.max_po2_exponent = max_po2_exponent
        self.post_training_scale = None if post_training_scale is None else np.asarray(post_training_scale,
                                                                                      dtype=np.float32)
        self.scale = None
        if isinstance(self.alpha, str):
            # the automatic scales only exist symmetric; a post-training scale freezes them
            self.symmetric = True
            self.freeze_scale = self.post_training_scale is not None
            if self.freeze_scale:
                self.scale = self.post_training_scale
        else:
            if self.post_training_scale is not None:
                raise ValueError(f"post_training_scale needs alpha='auto' or 'auto_po2', got alpha={alpha!r}")
            self.freeze_scale = True

    # -- forward --------------------------------------------------------------------------------

    def quantize(self, x, training: bool | None):
        m = 2.0 ** self._unsigned_bits
        m_i = 2.0 ** self.integer
        if isinstance(self.alpha, str):
            return x, self._quantize_auto(x, m, m_i)
        self._check_po2_only_options()
        scale = 1.0 if self.alpha is None else self.alpha
        if self._unsigned_bits > 0:
            lo, hi = self._level_bounds()
            # same operation order as QKeras: every factor is a power of two, so each step is exact
            xq = m_i * ops.clip(self._round(x * m / m_i, training), lo, hi) / m
        else:
            # one signed bit: a sign function, 0 -> +1
            xq = ops.sign(x)
            xq = xq + (1.0 - ops.abs(xq))
            if not self.keep_negative:
                xq = (xq + 1.0) / 2.0
        self.scale = scale
        return x, scale * xq

    def _quantize_auto(self, x, m: float, m_i: float):
        levels = 2 * (2 ** (self.bits - 1) - 1)
        xs = x / m_i
        if self.freeze_scale:
            scale = ops.convert_to_tensor(self.scale, dtype="float32") / m
        elif self.alpha == "auto_po2":
            scale = auto_scale.auto_po2_scale(xs, levels, self.scale_axis, self.elements_per_scale,
                                              self.min_po2_exponent, self.max_po2_exponent)
        else:
            self._check_po2_only_options()
            scale = auto_scale.initial_scale(xs, levels, self.scale_axis)
        z = auto_scale.grid_integers(xs, scale, levels / 2)
        scale = scale * m
        value = None if self.freeze_scale else eager_numpy(scale)
        if value is not None:  # keep the last eager value while a graph is traced
            self.scale = value
        return scale * (m_i * z / m)

    def _check_po2_only_options(self) -> None:
        for name in ("elements_per_scale", "min_po2_exponent", "max_po2_exponent"):
            if getattr(self, name) is not None:
                raise ValueError(f"{self}: {name} is only supported with alpha='auto_po2'")

    def _set_trainable_parameter(self) -> None:
        # QKeras: a layer's kernel quantizer without alpha learns a per-channel power-of-two scale
        if self.alpha is None:
            self.alpha = "auto_po2"
            self.freeze_scale = False
            self.symmetric = True

    # -- hardware ---------------------------------------------------------------------------------

    supported = SUPPORTED

    def hw_kind(self) -> HwKind:
        """ap_fixed<bits, integer+1> (ap_ufixed<bits, integer> unsigned) with saturation; a power-of-two
        alpha (one, or one per channel) shifts after rounding; 'auto_po2' is an integer grid times the
        per-channel powers of two of the last call; 1-bit signed is binary ±1."""
        self._check_qnoise()
        if isinstance(self.alpha, str):
            return self._auto_kind()
        scale = self._alpha_scale()
        if self._unsigned_bits <= 0:
            return BinaryType(False, scale)
        t = self._fixed_type()
        self._check_float32(t)
        if scale.exponents == (0,):
            return t
        self._check_float32(FixedType(t.width, t.integer + scale.min_exponent, t.signed))
        self._check_float32(FixedType(t.width, t.integer + scale.max_exponent, t.signed))
        return Po2ScaledType(t, scale, prescaled=False)

    def _alpha_scale(self) -> Po2Scale:
        if self.alpha is None:
            return Po2Scale.uniform(0)
        try:
            scale = Po2Scale.from_factors(self.alpha)
        except ValueError:
            raise self.unsupported(f"alpha={plain(self.alpha)!r} (not a power of two: the output leaves the "
                                   "fixed-point grid)") from None
        return Po2Scale.uniform(scale.exponents[0]) if scale.is_uniform else scale

    def _auto_kind(self) -> Po2ScaledType:
        if self.alpha == "auto":
            raise self.unsupported("alpha='auto' (a per-channel float scale 2·max|x|/levels, not a power of two, "
                                   "so no exact fixed-point grid)", "alpha='auto_po2' or a power-of-two alpha")
        if self.bits < 2:
            raise self.unsupported(f"alpha={self.alpha!r} with bits={self.bits} (no levels besides 0)")
        if self.scale is None:
            raise self.unsupported(f"alpha={self.alpha!r} before any call (its per-channel scales come from the "
                                   "tensor: call the quantizer on the weights first)")
        # output = scale·m_i·z/m: integers z (ties away from zero, |z| <= 2^(bits−1) − 1) times a power of two
        factors = np.asarray(self.scale, dtype=np.float64) * 2.0 ** (self.integer - self._unsigned_bits)
        try:
            scale = Po2Scale.from_factors(factors)
        except ValueError:
            raise self.unsupported(f"stored scale {plain(self.scale)!r} (not powers of two)") from None
        base = FixedType(self.bits, self.bits, True, Rounding.RND_INF, Overflow.SAT_SYM)
        self._check_float32_scaled(base, scale)
        return Po2ScaledType(base, scale, prescaled=True)

    def hw_type_and_shift(self) -> tuple[FixedType, int]:
        if isinstance(self.alpha, str):
            raise self.unsupported(
                f"alpha={self.alpha!r} (a per-channel scale computed from the tensor, "
                "which the IR must carry as a shift, not as one type)")
        if self._unsigned_bits <= 0:
            raise self.unsupported("a 1-bit signed quantizer (a sign function: -1 or +1, no zero)")
        self._check_qnoise()
        t = self._fixed_type()
        shift = self._alpha_shift()
        self._check_float32(t)
        self._check_float32(FixedType(t.width, t.integer + shift, t.signed))
        return t, shift

    def _alpha_shift(self) -> int:
        """alpha = 2**k moves the binary point by k; any other alpha leaves the grid."""
        if self.alpha is None:
            return 0
        values = np.unique(np.asarray(self.alpha, dtype=np.float64))
        exponent = power_of_two_exponent(values[0]) if values.size == 1 else None
        if exponent is None:
            what = "differs across channels" if values.size > 1 else "is not a power of two"
            raise self.unsupported(f"alpha={plain(self.alpha)!r} ({what})")
        return exponent

    # -- QKeras' range helpers ----------------------------------------------------------------------

    def max(self) -> float:
        """QKeras' max(): max(1, 2**integer), not the largest representable value."""
        return max(1.0, 2.0 ** self.integer) if self._unsigned_bits > 0 else 1.0

    def min(self) -> float:
        if not self.keep_negative:
            return 0.0
        return -max(1.0, 2.0 ** self.integer) if self._unsigned_bits > 0 else -1.0

    def range(self) -> np.ndarray:
        """Every representable value (signed, non-symmetric, unscaled), ordered by two's-complement code."""
        if self.symmetric or not self.keep_negative or self.alpha not in (None, 1, 1.0):
            raise ValueError(f"{self}: range() is defined for signed, non-symmetric quantizers with alpha None or 1")
        codes = np.arange(2 ** self.bits)
        signed = np.where(codes >= 2 ** (self.bits - 1), codes - 2 ** self.bits, codes)
        return (signed * 2.0 ** (self.integer + 1 - self.bits)).astype(np.float32)

    # -- serialization ----------------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        return {
            "bits": self.bits, "integer": self.integer, "symmetric": plain(self.symmetric),
            "keep_negative": plain(self.keep_negative), "alpha": plain(self.alpha),
            "use_stochastic_rounding": self.use_stochastic_rounding, "scale_axis": plain(self.scale_axis),
            "qnoise_factor": plain(self.qnoise_factor), "var_name": self.var_name, "use_ste": self.use_ste,
            "use_variables": self.use_variables, "elements_per_scale": plain(self.elements_per_scale),
            "min_po2_exponent": self.min_po2_exponent, "max_po2_exponent": self.max_po2_exponent,
            "post_training_scale": plain(self.post_training_scale),
        }

    def __str__(self) -> str:
        return self._qkeras_call("quantized_bits", {
            "scale_axis": None, "qnoise_factor": 1.0, "var_name": None, "use_ste": True, "use_variables": False,
            "elements_per_scale": None, "min_po2_exponent": None, "max_po2_exponent": None,
            "post_training_scale": None})


def _check_alpha(alpha):
    if alpha is None or isinstance(alpha, (int, float, np.number)) and not isinstance(alpha, bool):
        return alpha
    if isinstance(alpha, str):
        if alpha not in AUTO_ALPHAS:
            raise ValueError(f"alpha must be None, a number, an array, 'auto' or 'auto_po2'; got {alpha!r}")
        return alpha
    if isinstance(alpha, (list, tuple, np.ndarray)):
        return np.asarray(alpha, dtype=np.float32)
    if hasattr(alpha, "numpy"):  # a tensor, e.g. another quantizer's stored scale
        return np.asarray(alpha.numpy(), dtype=np.float32)
    raise ValueError(f"alpha must be None, a number, an array, 'auto' or 'auto_po2'; got {alpha!r}")

