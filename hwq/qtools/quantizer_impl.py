"""QKeras' qtools quantizer objects (`qkeras.qtools.quantized_operators.quantizer_impl`) over hwq's types.

QKeras describes each type by a mutable object of a class per quantizer (QuantizedBits, PowerOfTwo, Ternary,
...) with the attributes mode, bits, int_bits, is_signed, is_floating_point, is_po2, max_val_po2 and name;
its operators read and rewrite those attributes. These classes keep that interface, and every width they
report is computed by hwq.qtools.qtypes: `to_qtype()` gives the QType the attributes describe and
`from_qtype()` the object of a QType, so scripts can mix both. Unlike QKeras' objects, two of these of one
class with the same attributes compare equal, whatever their op_type (and so they are not hashable).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hwq.fixed.fixed_type import bits_for_range
from hwq.qtools.qtypes import (
    FLOATINGPOINT_BITS,
    MODE_NAMES,
    QType,
    floating,
    po2_exps_of_width,
    qtype_of,
)
from hwq.utils.qstats import BINARY, BINARY01, FIXED, FLOAT, PO2, TERNARY


def get_np_value(val: Any) -> Any:
    """A tensor's value as numpy (a one-element array as its element); anything else as it is."""
    if hasattr(val, "numpy"):
        val = np.asarray(val.numpy())
    if isinstance(val, np.ndarray) and val.size == 1:
        return val.reshape(-1)[0]
    return val


def get_exp(quantizer: IQuantizer) -> tuple[int, int]:
    """(-smallest exponent, largest exponent) of a power-of-two type: the bits a shift by it adds on the
    right and on the left."""
    return quantizer.get_min_max_exp()


class IQuantizer:
    """A qtools type with QKeras' attributes; the base of the per-quantizer classes."""

    def __init__(self) -> None:
        self.mode = -1
        self.bits = -1
        self.int_bits = -1
        self.is_signed = 0
        self.is_floating_point = False
        self.max_val_po2 = -1
        self.is_po2 = 0
        self.name: str | None = None
        self.op_type = "quantizer"
        # the exponent span of the QType this object came from, valid while bits, sign and ceiling are
        # unchanged: hwq knows a quantizer's exponents, QKeras only its width
        self._exps: tuple[tuple, tuple[int, int]] | None = None

    # -- hwq's view ------------------------------------------------------------------------------------

    def to_qtype(self) -> QType:
        """The hwq type these attributes describe."""
        if self.is_floating_point or self.mode == FLOAT:
            if self.bits is None:
                raise ValueError(f"{type(self).__name__}: a floating-point type needs its bits")
            return floating(int(self.bits))
        name = self.name or MODE_NAMES.get(self.mode, "quantized_bits")
        signed = bool(self.is_signed)
        if self.mode == PO2 or self.is_po2:
            return QType(PO2, int(self.bits), int(self.int_bits), signed, name, self.get_min_max_exp(),
                         int(getattr(self, "inference_value_counts", -1)), self.max_val_po2)
        if self.mode not in MODE_NAMES:
            raise ValueError(f"{type(self).__name__}: mode {self.mode} is not a qtools mode (0 to 5)")
        return QType(self.mode, int(self.bits), int(self.int_bits), signed, name)

    def get_min_max_exp(self) -> tuple[int, int]:
        """(bits right of the point, bits left of it) that this power-of-two type's shifts span."""
        key = (self.bits, bool(self.is_signed), self.max_val_po2)
        if self._exps is not None and self._exps[0] == key:
            return self._exps[1]
        return po2_exps_of_width(int(self.bits), bool(self.is_signed), self.max_val_po2)

    def _take(self, q: QType, name: bool = True) -> None:
        """Set every attribute from an hwq type (the name too unless name=False)."""
        self.mode, self.bits, self.int_bits = q.mode, q.bits, q.int_bits
        self.is_signed = int(q.signed)
        self.is_floating_point = q.is_float
        self.is_po2 = int(q.mode == PO2)
        self.max_val_po2 = q.max_value if q.mode == PO2 else -1
        if q.mode == PO2:
            self.inference_value_counts = q.value_count
            self._exps = ((q.bits, q.signed, q.max_value), q.po2_exps)
        if hasattr(self, "use_01"):
            self.use_01 = q.mode == BINARY01
        if name:
            self.name = q.name

    @property
    def is_float(self) -> bool:
        """hwq's name for is_floating_point (so hwq code reads these objects as it reads a QType)."""
        return bool(self.is_floating_point)

    @property
    def signed(self) -> bool:
        return bool(self.is_signed)

    def to_json(self, shape: Any = None, op_type: str | None = None) -> dict[str, Any]:
        """QKeras' JSON fields of this type (interface.populate_quantizer)."""
        return self.to_qtype().to_json(shape, op_type)

    def convert_qkeras_quantizer(self, quantizer: Any) -> None:
        """Take the widths of a quantizer object (this object keeps its class and name)."""
        self._take(qtype_of(quantizer), name=False)

    # -- comparison and printing -----------------------------------------------------------------------

    def _state(self) -> tuple:
        # op_type says what produced the type (a multiplier, an accumulator), not what the type is
        public = sorted((k, v) for k, v in vars(self).items() if not k.startswith("_") and k != "op_type")
        try:
            exps = self.get_min_max_exp() if self.mode == PO2 or self.is_po2 else None
        except ValueError:  # a template whose width is not set yet
            exps = None
        return type(self), public, exps

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IQuantizer):
            return NotImplemented
        return self._state() == other._state()

    __hash__ = None  # mutable and compared by value

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(name={self.name!r}, mode={self.mode}, bits={self.bits}, "
                f"int_bits={self.int_bits}, is_signed={self.is_signed})")


class QuantizedBits(IQuantizer):
    """Fixed point: bits in all, int_bits of them integer bits besides the sign."""

    def __init__(self) -> None:
        super().__init__()
        self.mode = FIXED
        self.is_signed = 1
        self.name = "quantized_bits"

    def convert_to_qkeras_quantizer(self, symmetric=1, alpha=None, use_stochastic_rounding: bool = False,
                                    scale_axis=None, qnoise_factor: float = 1.0, elements_per_scale=None,
                                    min_po2_exponent=None, max_po2_exponent=None) -> Any:
        from hwq.quantizers import quantized_bits

        return quantized_bits(bits=self.bits, integer=self.int_bits, keep_negative=self.is_signed,
                              symmetric=symmetric, alpha=alpha, use_stochastic_rounding=use_stochastic_rounding,
                              scale_axis=scale_axis, qnoise_factor=qnoise_factor,
                              elements_per_scale=elements_per_scale, min_po2_exponent=min_po2_exponent,
                              max_po2_exponent=max_po2_exponent)


class QuantizedTanh(QuantizedBits):
    def __init__(self) -> None:
        super().__init__()
        self.name = "quantized_tanh"

    def convert_to_qkeras_quantizer(self, symmetric=False, use_stochastic_rounding: bool = False) -> Any:
        from hwq.quantizers import quantized_tanh

        return quantized_tanh(bits=self.bits, use_stochastic_rounding=use_stochastic_rounding, symmetric=symmetric)


class QuantizedUlaw(QuantizedBits):
    def __init__(self) -> None:
        super().__init__()
        self.name = "quantized_ulaw"

    def convert_to_qkeras_quantizer(self, symmetric=0, u: float = 255.0) -> Any:
        from hwq.quantizers import quantized_ulaw

        return quantized_ulaw(bits=self.bits, integer=self.int_bits, symmetric=symmetric, u=u)


class Binary(IQuantizer):
    """±1 (mode 3) or {0, 1} (mode 4, use_01)."""

    def __init__(self, use_01: bool = False) -> None:
        super().__init__()
        self.use_01 = bool(use_01)
        self.mode = BINARY01 if use_01 else BINARY
        self.is_signed = 0 if use_01 else 1
        self.bits = 1
        self.int_bits = 1
        self.name = "binary"

    def convert_to_qkeras_quantizer(self, alpha=None, use_stochastic_rounding: bool = False) -> Any:
        from hwq.quantizers import binary

        return binary(use_01=self.use_01, alpha=alpha, use_stochastic_rounding=use_stochastic_rounding)


class StochasticBinary(Binary):
    def __init__(self) -> None:
        super().__init__(use_01=False)
        self.name = "stochastic_binary"

    def convert_to_qkeras_quantizer(self, alpha=None, temperature: float = 6.0, use_real_sigmoid: bool = True) -> Any:
        from hwq.quantizers import stochastic_binary

        return stochastic_binary(alpha=alpha, temperature=temperature, use_real_sigmoid=use_real_sigmoid)


class Bernoulli(Binary):
    def __init__(self) -> None:
        super().__init__(use_01=True)
        self.name = "bernoulli"

    def convert_to_qkeras_quantizer(self, alpha=None, temperature: float = 6.0, use_real_sigmoid: bool = True) -> Any:
        from hwq.quantizers import bernoulli

        return bernoulli(alpha=alpha, temperature=temperature, use_real_sigmoid=use_real_sigmoid)


class QuantizedRelu(IQuantizer):
    """Unsigned fixed point (signed with a negative slope); 1 bit with 1 integer bit is {0, 1} (mode 4)."""

    def __init__(self) -> None:
        super().__init__()
        self.is_signed = 0
        self.name = "quantized_relu"

    def convert_to_qkeras_quantizer(self, use_sigmoid=0, negative_slope: float = 0.0,
                                    use_stochastic_rounding: bool = False, relu_upper_bound=None,
                                    is_quantized_clip: bool = True, qnoise_factor: float = 1.0) -> Any:
        from hwq.quantizers import quantized_relu

        return quantized_relu(bits=self.bits, integer=self.int_bits, use_sigmoid=use_sigmoid,
                              negative_slope=negative_slope, use_stochastic_rounding=use_stochastic_rounding,
                              relu_upper_bound=relu_upper_bound, is_quantized_clip=is_quantized_clip,
                              qnoise_factor=qnoise_factor)


class Ternary(IQuantizer):
    """{-1, 0, +1}: QKeras counts 2 bits, 2 integer bits, signed."""

    def __init__(self) -> None:
        super().__init__()
        self.mode = TERNARY
        self.bits = 2
        self.int_bits = 2
        self.is_signed = 1
        self.name = "ternary"

    def convert_to_qkeras_quantizer(self, alpha=None, threshold=None, use_stochastic_rounding: bool = False,
                                    number_of_unrolls: int = 5) -> Any:
        from hwq.quantizers import ternary

        return ternary(alpha=alpha, threshold=threshold, use_stochastic_rounding=use_stochastic_rounding,
                       number_of_unrolls=number_of_unrolls)


class StochasticTernary(Ternary):
    def __init__(self) -> None:
        super().__init__()
        self.name = "stochastic_ternary"

    def convert_to_qkeras_quantizer(self, alpha=None, threshold=None, temperature: float = 8.0,
                                    use_real_sigmoid: bool = True, number_of_unrolls: int = 5) -> Any:
        from hwq.quantizers import stochastic_ternary

        return stochastic_ternary(alpha=alpha, threshold=threshold, temperature=temperature,
                                  use_real_sigmoid=use_real_sigmoid, number_of_unrolls=number_of_unrolls)


class FloatingPoint(IQuantizer):
    """A float of `bits` bits (None until an operation decides, as in QKeras' output templates)."""

    def __init__(self, bits: int | None) -> None:
        super().__init__()
        self.mode = FLOAT
        self.bits = bits
        self.int_bits = -1
        self.is_signed = 1
        self.is_floating_point = True
        self.name = "floating_point"

    def convert_qkeras_quantizer(self, bits: Any = None) -> None:
        """Nothing to take: a float type is its bits (QKeras does nothing here either)."""

    def convert_to_qkeras_quantizer(self, bits: Any = None) -> None:
        """There is no float quantizer to make (QKeras returns None too)."""


class PowerOfTwo(IQuantizer):
    """±2^e (quantized_po2), or +2^e when not signed (quantized_relu_po2); int_bits equals bits."""

    def __init__(self, is_signed: bool = True) -> None:
        super().__init__()
        self.mode = PO2
        self.is_po2 = 1
        self.is_signed = int(bool(is_signed))
        self.inference_value_counts = -1
        self.name = "quantized_po2" if is_signed else "quantized_relu_po2"

    def convert_qkeras_quantizer(self, quantizer: Any) -> None:
        """Take the widths of quantized_po2 or quantized_relu_po2, and the name of its kind."""
        q = qtype_of(quantizer)
        if q.mode != PO2:
            raise ValueError(f"{quantizer} is not a power-of-two quantizer")
        self._take(q, name=True)

    def convert_to_qkeras_quantizer(self, negative_slope: float = 0, use_stochastic_rounding: bool = False,
                                    quadratic_approximation: bool = False) -> Any:
        from hwq.quantizers import quantized_po2, quantized_relu_po2

        max_value = self.max_val_po2 if self.max_val_po2 >= 0 else None
        if self.is_signed:
            return quantized_po2(bits=self.bits, max_value=max_value, use_stochastic_rounding=use_stochastic_rounding,
                                 quadratic_approximation=quadratic_approximation)
        return quantized_relu_po2(bits=self.bits, max_value=max_value, negative_slope=negative_slope,
                                  use_stochastic_rounding=use_stochastic_rounding,
                                  quadratic_approximation=quadratic_approximation)

    def quantizer_bits_calculator(self, val: float) -> tuple[bool, int]:
        """(sign bit, other bits) a po2 type needs to hold the value val: the bits of its exponent as a
        two's complement number (at least 1); 0 takes the type's own width."""
        sign_bit = bool(val < 0)
        magnitude = abs(val)
        if magnitude == 0:
            return sign_bit, int(self.bits) - int(sign_bit)
        exponent = float(np.log2(magnitude))
        if exponent != round(exponent):
            raise ValueError(f"ERROR: {val} is not a po2 value!")
        e = int(round(exponent))
        return sign_bit, bits_for_range(min(e, -1), max(e, 0))

    def update_quantizer(self, val: float, reset: bool = False) -> None:
        """Narrow the type to what holding the constant val needs (or, with reset, set it to that)."""
        sign_bit, non_sign_bits = self.quantizer_bits_calculator(val)
        needed = int(sign_bit) + non_sign_bits
        self.bits = needed if reset else min(self.bits, needed)
        self.int_bits = self.bits
        self.max_val_po2 = min(val, self.max_val_po2)  # QKeras' rule, -1 (no ceiling) included
        self.is_signed = int(sign_bit)
        self.name = "quantized_po2" if sign_bit else "quantized_relu_po2"

    def update_inference_values(self, weights: Any) -> None:
        """Count the distinct values of known weights: the shifter then only needs that many positions."""
        self.inference_value_counts = int(np.unique(np.asarray(weights).reshape(-1)).size)


class ReluPowerOfTwo(PowerOfTwo):
    def __init__(self) -> None:
        super().__init__(is_signed=False)

    def convert_qkeras_quantizer(self, quantizer: Any) -> None:
        self._take(qtype_of(quantizer), name=False)

    def convert_to_qkeras_quantizer(self, negative_slope: float = 0, use_stochastic_rounding: bool = False,
                                    quadratic_approximation: bool = False) -> Any:
        from hwq.quantizers import quantized_relu_po2

        return quantized_relu_po2(bits=self.bits, max_value=self.max_val_po2 if self.max_val_po2 >= 0 else None,
                                  negative_slope=negative_slope, use_stochastic_rounding=use_stochastic_rounding,
                                  quadratic_approximation=quadratic_approximation)


# the class QKeras makes for each quantizer (and type) name; other hwq fixed-point quantizers are QuantizedBits
CLASS_OF_NAME: dict[str, type[IQuantizer]] = {
    "quantized_bits": QuantizedBits, "quantized_tanh": QuantizedTanh, "quantized_ulaw": QuantizedUlaw,
    "quantized_relu": QuantizedRelu, "binary": Binary, "stochastic_binary": StochasticBinary,
    "bernoulli": Bernoulli, "ternary": Ternary, "stochastic_ternary": StochasticTernary,
    "quantized_po2": PowerOfTwo, "quantized_relu_po2": ReluPowerOfTwo, "floating_point": FloatingPoint,
}
_CLASS_OF_MODE: dict[int, type[IQuantizer]] = {FIXED: QuantizedBits, PO2: PowerOfTwo, TERNARY: Ternary,
                                               BINARY: Binary, BINARY01: Binary, FLOAT: FloatingPoint}


def from_qtype(q: QType, cls: type[IQuantizer] | None = None) -> IQuantizer:
    """The QKeras object of an hwq type: of class cls, else the class QKeras makes for its name (or mode)."""
    cls = cls or CLASS_OF_NAME.get(q.name) or _CLASS_OF_MODE[q.mode]
    if cls is ReluPowerOfTwo and q.signed:
        cls = PowerOfTwo
    obj = cls(q.bits) if issubclass(cls, FloatingPoint) else cls()
    obj._take(q)
    return obj


def as_quantizer(q: Any) -> IQuantizer:
    """A QKeras object as it is; an hwq QType (or anything qtype_of reads) as its QKeras object."""
    return q if isinstance(q, IQuantizer) else from_qtype(qtype_of(q))


__all__ = ["FLOATINGPOINT_BITS", "get_np_value", "get_exp", "IQuantizer", "QuantizedBits", "QuantizedTanh",
           "QuantizedUlaw", "Binary", "StochasticBinary", "Bernoulli", "QuantizedRelu", "Ternary",
           "StochasticTernary", "FloatingPoint", "PowerOfTwo", "ReluPowerOfTwo", "CLASS_OF_NAME", "from_qtype",
           "as_quantizer"]
