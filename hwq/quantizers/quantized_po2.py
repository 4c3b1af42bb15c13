"""quantized_po2 and quantized_relu_po2: values rounded to a power of two (a shift in hardware).

bits cover the value's sign (quantized_po2 only), the exponent's sign (unless max_value <= 1, when
every exponent is <= 0) and the exponent: eb exponent bits give exponents in [−2^eb, 2^eb − 1]
(the top one made even under quadratic_approximation). |x| is clipped to max_value, then its log2
is rounded ('rnd') or floored ('floor'), clipped, and doubled under quadratic_approximation (which
works on sqrt|x|). |x| < 1e−7 gives 2^min_exp: zero is not a value, and sign(0) = +1.

The exponent is computed exactly from the float32 input (a leading-one position, as hardware finds
it), where QKeras' log(x)/log(2) in float32 falls just below the integer for some exact powers of
two (see docs/qkeras-differences.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from keras import ops

from hwq.fixed import Po2Type
from hwq.quantizers.base import BaseQuantizer, as_int, format_call, plain, power_of_two_exponent, sign_no_zero
from hwq.quantizers.registry import register_quantizer
from hwq.quantizers.stochastic import stochastic_round_po2

LOG2_ROUNDINGS = ("rnd", "floor")
TINY = 1e-7  # keras epsilon: magnitudes below it take the smallest exponent
_LN2 = np.float32(np.log(2.0))
_SQRT2 = np.float32(np.sqrt(2.0))  # below sqrt(2); no float32 lies between the two


def exponent_range(exponent_bits: int, quadratic: bool) -> tuple[int, int]:
    """[−2^eb, 2^eb − 1], the top made even under quadratic approximation."""
    lo, hi = -(2 ** exponent_bits), 2 ** exponent_bits - 1
    return lo, (2 * (hi // 2) if quadratic else hi)


def needs_exponent_sign(max_value) -> bool:
    """Exponents can be positive unless max_value <= 1 is given."""
    if max_value is None:
        return True
    if max_value < 0:
        raise ValueError(f"max_value must be non-negative, got {max_value!r}")
    return max_value > 1


def floor_log2(y):
    """floor(log2 y) exactly for normal float32 y > 0: a float estimate, corrected by exact powers of two."""
    e = ops.floor(ops.log(y) / _LN2)
    p = ops.power(2.0, e)
    return ops.where(p > y, e - 1.0, ops.where(2.0 * p <= y, e + 1.0, e))


def round_log2(y):
    """round(log2 y) exactly: up when the mantissa y / 2^floor exceeds sqrt(2)."""
    e = floor_log2(y)
    return e + ops.cast(y / ops.power(2.0, e) > _SQRT2, "float32")


def po2_exponents(x_abs, min_exp: int, max_exp: int, max_value, quadratic: bool, log2_rounding: str,
                  stochastic_seed=None):
    """The exponent of each |x| (float32 tensor of integers); stochastic when a seed generator is given."""
    y = ops.where(x_abs < TINY, ops.ones_like(x_abs) * TINY, x_abs)
    if max_value is not None:
        y = ops.where(y >= max_value, ops.ones_like(y) * max_value, y)
    if quadratic:
        # the exponent of sqrt(y): floor(log2 y)/2 floored, or log2(y)/2 rounded with exact ties down
        e = floor_log2(y)
        if log2_rounding == "floor":
            half = ops.floor(e / 2.0)
        elif stochastic_seed is not None:
            half = stochastic_round_po2(ops.sqrt(y), seed=stochastic_seed)
        else:
            odd = ops.not_equal(ops.mod(e, 2.0), 0.0)
            exact = ops.equal(ops.power(2.0, e), y)
            half = ops.floor(e / 2.0) + ops.cast(odd & ~exact, "float32")
        e = 2.0 * ops.clip(half, min_exp, max_exp)
    else:
        if log2_rounding == "floor":
            e = floor_log2(y)
        elif stochastic_seed is not None:
            e = stochastic_round_po2(y, seed=stochastic_seed)
        else:
            e = round_log2(y)
        e = ops.clip(e, min_exp, max_exp)
    return ops.where(x_abs < TINY, ops.ones_like(x_abs) * min_exp, e)


def _top_exponent(q, max_value) -> int:
    """The largest exponent q can output: its exponent for |x| = max_value (the map is monotone)."""
    if max_value is None:
        return 2 * q._max_exp if q.quadratic_approximation else q._max_exp
    e = po2_exponents(ops.convert_to_tensor(np.float32([max_value])), q._min_exp, q._max_exp, max_value,
                      q.quadratic_approximation, q.log2_rounding)
    return int(np.asarray(e)[0])


class _Po2Base(BaseQuantizer):
    """What quantized_po2 and quantized_relu_po2 share: settings, exponent range, config, kind."""

    name = ""
    value_sign_bits = 0

    def __init__(self, bits: int, max_value, use_stochastic_rounding: bool, quadratic_approximation: bool,
                 log2_rounding: str, qnoise_factor: float, var_name: str | None, use_ste: bool,
                 use_variables: bool) -> None:
        super().__init__(use_stochastic_rounding, qnoise_factor, var_name, use_ste, use_variables)
        self.bits = as_int("bits", bits, minimum=1)
        if log2_rounding not in LOG2_ROUNDINGS:
            raise ValueError(f"log2_rounding must be 'rnd' or 'floor', got {log2_rounding!r}")
        self.max_value = max_value
        self.quadratic_approximation = bool(quadratic_approximation)
        self.log2_rounding = log2_rounding
        exponent_bits = self.bits - self.value_sign_bits - int(needs_exponent_sign(max_value))
        if exponent_bits < 0:
            raise ValueError(f"{self.name}: bits={bits} leaves no room for the exponent (at least "
                             f"{self.value_sign_bits + int(needs_exponent_sign(max_value))} bits needed here)")
        self._min_exp, self._max_exp = exponent_range(exponent_bits, self.quadratic_approximation)

    def _exponents(self, magnitude, training):
        seed = self._seed_generator if (self.use_stochastic_rounding and training) else None
        return po2_exponents(magnitude, self._min_exp, self._max_exp, self.max_value, self.quadratic_approximation,
                             self.log2_rounding, seed)

    def _po2_kind(self, signed: bool) -> Po2Type:
        self._check_qnoise()
        low = min(self._min_exp, 2 * self._min_exp if self.quadratic_approximation else self._min_exp)
        return Po2Type(low, max(low, _top_exponent(self, self.max_value)), signed, False)

    def hw_type_and_shift(self):
        raise self.unsupported("a power-of-two grid (not a fixed-point type)",
                               f"hw_kind() describes it as {self.hw_kind()}")

    def max(self) -> float:
        """QKeras' max(): max(1, max_value) with a max_value, else max(1, 2^max_exp)."""
        return float(max(1.0, self.max_value)) if self.max_value else float(max(1.0, 2.0 ** self._max_exp))

    def _config(self) -> dict[str, Any]:
        return {"bits": self.bits, "max_value": plain(self.max_value),
                "use_stochastic_rounding": self.use_stochastic_rounding,
                "quadratic_approximation": self.quadratic_approximation, "log2_rounding": self.log2_rounding,
                "qnoise_factor": plain(self.qnoise_factor), "var_name": self.var_name, "use_ste": self.use_ste,
                "use_variables": self.use_variables}

    def __str__(self) -> str:
        # bits (and max_value) positionally as QKeras writes them, everything else by keyword
        config = self.get_config()
        positional = [self.bits] + ([config["max_value"]] if self.max_value is not None else [])
        defaults = {"negative_slope": 0, "use_stochastic_rounding": False, "quadratic_approximation": False,
                    "log2_rounding": "rnd", "qnoise_factor": 1.0, "var_name": None, "use_ste": True,
                    "use_variables": False}
        keywords = {k: config[k] for k, d in defaults.items() if k in config and config[k] != d}
        return format_call(self.name, positional, keywords)


@register_quantizer
class quantized_po2(_Po2Base):
    """±2^e with e rounded from log2|x|: one bit for the sign of x, the rest for the exponent."""

    name = "quantized_po2"
    value_sign_bits = 1

    def __init__(self, bits: int = 8, max_value=None, use_stochastic_rounding: bool = False,
                 quadratic_approximation: bool = False, log2_rounding: str = "rnd", qnoise_factor: float = 1.0,
                 var_name: str | None = None, use_ste: bool = True, use_variables: bool = False) -> None:
        super().__init__(bits, max_value, use_stochastic_rounding, quadratic_approximation, log2_rounding,
                         qnoise_factor, var_name, use_ste, use_variables)

    def quantize(self, x, training: bool | None):
        xq = sign_no_zero(x) * ops.power(2.0, self._exponents(ops.abs(x), training))
        return x, xq

    def hw_kind(self) -> Po2Type:
        """±2^e, e in [min_exp, top], top lowered by max_value; no zero."""
        return self._po2_kind(signed=True)

    def min(self) -> float:
        return -self.max()

    def get_config(self) -> dict[str, Any]:
        return self._config()


@register_quantizer
class quantized_relu_po2(_Po2Base):
    """ReLU to +2^e (negative x -> 2^min_exp), or −2^e of slope·|x| below 0 with a power-of-two negative_slope."""

    name = "quantized_relu_po2"

    def __init__(self, bits: int = 8, max_value=None, negative_slope: float = 0, use_stochastic_rounding: bool = False,
                 quadratic_approximation: bool = False, log2_rounding: str = "rnd", qnoise_factor: float = 1.0,
                 var_name: str | None = None, use_ste: bool = True, use_variables: bool = False) -> None:
        super().__init__(bits, max_value, use_stochastic_rounding, quadratic_approximation, log2_rounding,
                         qnoise_factor, var_name, use_ste, use_variables)
        if negative_slope < 0 or (negative_slope != 0 and power_of_two_exponent(negative_slope) is None):
            raise ValueError(f"negative_slope must be 0 or a positive power of two, got {negative_slope!r}")
        self.negative_slope = negative_slope

    def quantize(self, x, training: bool | None):
        slope = float(self.negative_slope)
        relu = ops.leaky_relu(x, negative_slope=slope)
        reference = relu if self.max_value is None else ops.where(x <= self.max_value, relu,
                                                                   ops.ones_like(x) * self.max_value)
        positive = ops.power(2.0, self._exponents(ops.relu(x), training))
        if slope == 0:
            return reference, positive
        negative = -ops.power(2.0, self._exponents(ops.relu(-x) * slope, training))
        return reference, ops.where(x >= 0, positive, negative)

    def hw_kind(self) -> Po2Type:
        """+2^e (±2^e with a negative slope), e in [min_exp, top]; no zero."""
        return self._po2_kind(signed=self.negative_slope != 0)

    def min(self) -> float:
        """QKeras' min(): 2^min_exp, or −slope·2^(bits−1) with a negative slope."""
        smallest = 2.0 ** self._min_exp
        if self.negative_slope == 0 or self.bits <= 1:
            return smallest
        return min(smallest, -float(self.negative_slope) * 2.0 ** (self.bits - 1))

    def get_config(self) -> dict[str, Any]:
        config = self._config()
        config["negative_slope"] = plain(self.negative_slope)
        return config

