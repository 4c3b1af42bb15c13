"""BaseQuantizer: what every hwq quantizer shares (straight-through output, rounding, config, str)."""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import ops

from hwq.fixed import FixedType, HwKind, Po2Scale, Po2ScaledType
from hwq.quantizers.errors import UnsupportedQuantizerError

# float32 limits that decide whether a fixed-point grid survives the float32 Keras forward unchanged
FLOAT32_SIGNIFICAND_BITS = 24
FLOAT32_MIN_NORMAL_EXP = -126  # TF flushes subnormals to zero in eager mode (not in tf.function)
FLOAT32_MAX_EXP = 127


class BaseQuantizer:
    """A callable that maps float tensors onto a quantization grid, with straight-through gradients.

    Subclasses implement `quantize(x, training)` returning (reference, xq): `xq` is the quantized
    value and `reference` the float tensor whose gradient passes straight through.
    """

    # what hw_type() accepts, quoted in its refusals
    supported = "see the quantizer's documentation"

    def __init__(self, use_stochastic_rounding: bool = False, qnoise_factor: float = 1.0,
                 var_name: str | None = None, use_ste: bool = True, use_variables: bool = False) -> None:
        self.use_stochastic_rounding = use_stochastic_rounding
        self.qnoise_factor = qnoise_factor
        self.var_name = var_name
        self.use_ste = use_ste
        # QKeras turns qnoise_factor/integer into tf.Variables here; hwq keeps them as Python numbers
        # (update_qnoise_factor still works), the flag is kept for config compatibility.
        self.use_variables = use_variables
        # created up front: a seed generator holds a variable, which must not be born inside a traced call
        self._seed_generator = keras.random.SeedGenerator() if use_stochastic_rounding else None

    # -- the forward pass ---------------------------------------------------------------------------

    def __call__(self, x, training: bool | None = None):
        """Quantize x (cast to float32, as QKeras casts to floatx)."""
        x = ops.cast(x, "float32")
        reference, xq = self.quantize(x, training)
        return self._straight_through(reference, xq)

    def quantize(self, x, training: bool | None):
        raise NotImplementedError

    def _straight_through(self, reference, xq):
        """QKeras' output rule: x + stop_gradient(q·(xq − x)) with STE, else (1 − q)·x + stop_gradient(q·xq).

        For q = 1 with STE the value is formed as stop_gradient(xq) + (x − stop_gradient(x)): the same
        gradient (1), but exactly xq. QKeras' x + (xq − x) loses xq to float32 cancellation once |x| is
        far outside the grid (e.g. x = 2**30 through quantized_bits(6,0) gives 0, not 0.96875).
        """
        q = self.qnoise_factor
        if self.use_ste:
            if _is_exactly_one(q):
                # an infinite reference (a curve overflowing float32, e.g. hswish(3e38)) would make inf − inf
                # = NaN here: it passes no gradient instead, and the output stays xq
                reference = ops.where(ops.isfinite(reference), reference, ops.zeros_like(reference))
                return ops.stop_gradient(xq) + (reference - ops.stop_gradient(reference))
            return reference + ops.stop_gradient(q * (xq - reference))
        return (1.0 - q) * reference + ops.stop_gradient(q * xq)

    def _uniform(self, shape):
        """U[0, 1) noise from this quantizer's own seed generator (created in __init__, never while tracing)."""
        if self._seed_generator is None:
            raise RuntimeError(f"{self}: no seed generator; stochastic quantizers create one in __init__")
        return keras.random.uniform(shape, dtype="float32", seed=self._seed_generator)

    def _round(self, p, training: bool | None):
        """Round to integers: half to even (keras round), or stochastically while training if asked.

        qkeras-v3 passes use_stochastic_rounding into a `training` slot and so never rounds
        stochastically; hwq does what the flag says, and only in training (inference stays exact).
        """
        if self.use_stochastic_rounding and training:
            return ops.floor(p + self._uniform(ops.shape(p)))
        return ops.round(p)

    def _round_ste(self, p, training: bool | None):
        """_round with a straight-through gradient (the value is exactly the rounded one: |round(p) − p| <= 1
        is formed exactly in float32 and adding it back to p is exact too)."""
        return p + ops.stop_gradient(self._round(p, training) - p)

    # -- QKeras hooks ---------------------------------------------------------------------------------

    def _set_trainable_parameter(self) -> None:
        """Called by layers on their kernel quantizer; QKeras uses it to switch on automatic scaling."""

    def update_qnoise_factor(self, qnoise_factor) -> None:
        self.qnoise_factor = qnoise_factor

    # -- the hardware contract ------------------------------------------------------------------------

    def hw_kind(self) -> HwKind:
        """What the outputs are in hardware: a FixedType, or a kind from hwq.fixed.kinds (power of two,
        binary, ternary, per-channel power-of-two scales, lookup table). The one method the IR reads.

        Data-dependent scales (alpha='auto_po2') are those of the last call: call the quantizer on
        the weights first. Raises UnsupportedQuantizerError (a ValueError) naming what is supported.
        """
        t, shift = self.hw_type_and_shift()
        if shift == 0:
            return t
        # QKeras' power-of-two alpha multiplies after rounding on the unscaled grid
        return Po2ScaledType(t, Po2Scale.uniform(shift), prescaled=False)

    def hw_type(self) -> FixedType:
        """The exact fixed-point type of this quantizer: quantize(x, t) then to_float gives q(x) for every
        float32 x (rounding and overflow modes included). Raises UnsupportedQuantizerError otherwise."""
        t, shift = self.hw_type_and_shift()
        if shift:
            raise self.unsupported(
                f"a power-of-two scale 2^{shift} applied after rounding (the output is 2^{shift}·Q(x): a quantize "
                f"to {t} followed by a {shift}-bit shift, not one rounding)",
                f"{self.supported}; hw_type_and_shift() describes this one as ({t}, {shift})")
        return t

    def hw_type_and_shift(self) -> tuple[FixedType, int]:
        """(t, k) with q(x) == 2**k · to_float(quantize(x, t), t) for every float32 x.

        k is nonzero only where QKeras multiplies by a power of two after rounding (quantized_bits'
        alpha): the mantissas are those of t, the output type is t with its binary point moved by k.
        """
        raise self.unsupported("this quantizer", "no fixed-point type is defined for it")

    def unsupported(self, setting: str, supported: str | None = None) -> UnsupportedQuantizerError:
        return UnsupportedQuantizerError(
            f"{self}: {setting} has no exact fixed-point type in hwq; supported: {supported or self.supported}")

    def _check_qnoise(self) -> None:
        if not _is_exactly_one(self.qnoise_factor):
            raise self.unsupported(f"qnoise_factor={self.qnoise_factor!r} (outputs blend float and quantized values)")

    def _check_float32(self, t: FixedType) -> None:
        """Refuse grids that Keras' float32 forward pass cannot compute exactly."""
        magnitude_bits = t.width - 1 if t.signed else t.width
        if magnitude_bits > FLOAT32_SIGNIFICAND_BITS:
            raise self.unsupported(
                f"{t.width} bits ({t})", f"at most {FLOAT32_SIGNIFICAND_BITS + 1} bits signed or "
                f"{FLOAT32_SIGNIFICAND_BITS} unsigned, since Keras computes in float32, which cannot hold the "
                f"saturation value; {self.supported}")
        # the lsb must be a normal float32 and a subnormal x must stay below half an lsb, so eager mode
        # (which flushes subnormals) and graph mode (which keeps them) both give 0; and x·2**bits must
        # not overflow before the division by 2**integer
        if t.frac > -FLOAT32_MIN_NORMAL_EXP - 1 or t.integer + t.width > FLOAT32_MAX_EXP:
            raise self.unsupported(
                f"a grid from 2^{-t.frac} to 2^{t.integer} ({t})",
                f"lsb >= 2^{FLOAT32_MIN_NORMAL_EXP + 1} and integer + bits <= {FLOAT32_MAX_EXP} (float32's "
                f"normal range); {self.supported}")

    def _check_float32_scaled(self, base: FixedType, scale: Po2Scale) -> None:
        """Every channel's grid must survive float32 (data-dependent scales can reach its ends)."""
        for e in (scale.min_exponent, scale.max_exponent):
            self._check_float32(FixedType(base.width, base.integer + e, base.signed))

    # -- serialization ------------------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BaseQuantizer:
        return cls(**config)

    def copy(self) -> BaseQuantizer:
        """A fresh quantizer with the same settings (no call state such as `scale`)."""
        return type(self).from_config(self.get_config())

    def __repr__(self) -> str:
        return str(self)


def sign_no_zero(x):
    """sign(x) with sign(0) = +1, as QKeras' binary quantizers define it."""
    s = ops.sign(x)
    return s + (1.0 - ops.abs(s))


def _is_exactly_one(q) -> bool:
    return isinstance(q, (int, float, np.number)) and float(q) == 1.0


def format_call(name: str, positional: list, keywords: dict[str, Any]) -> str:
    """`name(p1,p2,k=v)` with every value written as a Python literal, so the parser reads it back."""
    parts = [literal(v) for v in positional] + [f"{k}={literal(v)}" for k, v in keywords.items()]
    return f"{name}({','.join(parts)})"


def changed_settings(config: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The settings of `defaults`, in its order, whose value in `config` differs from the default."""
    return {k: config[k] for k, d in defaults.items() if config[k] != d}


def literal(v) -> str:
    """A Python literal for a config value (arrays become lists)."""
    return repr(plain(v))


def plain(v):
    """Config values as JSON/literal-friendly Python objects (numpy arrays and scalars unwrapped)."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, tuple):
        return [plain(e) for e in v]
    if hasattr(v, "numpy"):  # a tensor or variable, e.g. a qnoise_factor set by a training schedule
        return plain(np.asarray(v.numpy()))
    return v


def power_of_two_exponent(value) -> int | None:
    """k when value == 2**k exactly (value > 0), else None."""
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        return None
    mantissa, exponent = math.frexp(v)
    return exponent - 1 if mantissa == 0.5 else None


def as_int(name: str, value, minimum: int | None = None) -> int:
    """Integer settings arrive as int, numpy ints or integral floats (from JSON); reject anything else."""
    integral = isinstance(value, (int, np.integer)) or (
        isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer())
    if isinstance(value, (bool, np.bool_)) or not integral:
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value
