"""The types of qtools' data type map: a quantizer's mode and bit counts, and how they grow through
a multiplier, an accumulator, an adder and a divider (QKeras' rules, which assume worst-case operands
rather than the actual weights; hwq's IR carries the exact widths, see hwq.qtools.graph_energy).

`int_bits` counts integer bits without the sign, as QKeras does internally; the JSON adds the sign.
These rules are the only place widths are computed: QKeras' mutable qtools classes
(hwq.qtools.quantizer_impl, multiplier_impl, ...) convert to these types and back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from hwq.fixed.kinds import Po2Type
from hwq.utils.qstats import BINARY, BINARY01, FIXED, FLOAT, PO2, TERNARY, get_quant_mode

MODE_NAMES = {FIXED: "quantized_bits", PO2: "quantized_po2", TERNARY: "ternary", BINARY: "binary",
              BINARY01: "binary", FLOAT: "floating_point"}
FLOATINGPOINT_BITS = 32  # a float type's width when nothing says otherwise (a fixed-point divisor's quotient)
_FIXED_FAMILY = ("quantized_bits", "quantized_tanh", "quantized_ulaw")


class UnacceptedQuantizerError(ValueError):
    """A divisor qtools cannot divide by (binary or ternary)."""


@dataclass(frozen=True)
class QType:
    mode: int
    bits: int
    int_bits: int
    signed: bool
    name: str
    po2_exps: tuple[int, int] = (0, 0)  # po2: (bits right of the point, bits left of it) a shift spans
    value_count: int = -1  # po2 weights at inference: how many distinct values they take
    max_value: float = -1  # po2: the ceiling the quantizer declares (QKeras' max_val_po2), -1 when none

    @property
    def is_float(self) -> bool:
        return self.mode == FLOAT

    @property
    def frac_bits(self) -> int:
        """Negative for types QKeras sizes with fewer bits than sign + integer bits (binary, ternary)."""
        return self.bits - int(self.signed) - self.int_bits

    # QKeras' names for the same facts (its qtools quantizer objects expose these attributes)
    @property
    def is_signed(self) -> int:
        return int(self.signed)

    @property
    def is_floating_point(self) -> bool:
        return self.is_float

    @property
    def is_po2(self) -> int:
        return int(self.mode == PO2)

    @property
    def max_val_po2(self) -> float:
        """The declared ceiling of a po2 type, -1 without one or for other modes (as QKeras has it)."""
        return self.max_value if self.mode == PO2 else -1

    def to_json(self, shape=None, op_type: str | None = None) -> dict[str, Any]:
        """QKeras' JSON fields for a quantizer of this mode."""
        d: dict[str, Any] = {"quantizer_type": self.name, "bits": self.bits}
        if self.mode == PO2:
            d |= {"is_signed": int(self.signed), "max_value": self.max_value}
        elif self.mode in (BINARY, BINARY01):
            d |= {"int_bits": self.int_bits, "is_signed": int(self.signed),
                  "values": [0, 1] if self.mode == BINARY01 else [-1, 1]}
        elif self.mode == TERNARY:
            d |= {"int_bits": 2, "is_signed": 1, "values": [0, -1, 1]}
        elif self.mode == FIXED:
            d |= {"int_bits": self.int_bits + int(self.signed), "is_signed": int(self.signed)}
        if shape is not None:
            d["shape"] = [-1 if s is None else int(s) for s in shape] if isinstance(shape, tuple | list) else shape
        if op_type is not None:
            d["op_type"] = op_type
        return d


def fixed(bits: int, int_bits: int, signed: bool = True, name: str = "quantized_bits") -> QType:
    return QType(FIXED, int(bits), int(int_bits), bool(signed), name)


def floating(bits: int = FLOATINGPOINT_BITS) -> QType:
    return QType(FLOAT, int(bits), -1, True, "floating_point")


def po2(bits: int, signed: bool, max_value: float = -1, po2_exps: tuple[int, int] | None = None) -> QType:
    """A power-of-two type known by its width (a product or quotient of two): its exponents span what
    QKeras assumes for that width unless po2_exps says otherwise."""
    exps = po2_exps if po2_exps is not None else po2_exps_of_width(bits, signed, max_value)
    name = "quantized_po2" if signed else "quantized_relu_po2"
    return QType(PO2, int(bits), int(bits), bool(signed), name, exps, max_value=max_value)


def qtype_of(quantizer: Any) -> QType:
    """The qtools type of a quantizer object, a quantizer string, or 'intN' / 'fpN' (QKeras' defaults:
    intN is a signed N-bit integer, fpN a float); None and plain functions are fp32."""
    if isinstance(quantizer, QType):
        return quantizer
    if hasattr(quantizer, "to_qtype"):  # a QKeras-style qtools object (hwq.qtools.quantizer_impl)
        return quantizer.to_qtype()
    if isinstance(quantizer, str):
        m = re.fullmatch(r"\s*(u?)int(\d+)\s*", quantizer)
        if m:
            unsigned, bits = bool(m.group(1)), int(m.group(2))
            return fixed(bits, bits - (0 if unsigned else 1), not unsigned)
        m = re.fullmatch(r"\s*fp(16|32)\s*", quantizer)
        if m:
            return floating(int(m.group(1)))
        from hwq.quantizers import get_quantizer

        quantizer = get_quantizer(quantizer)
    mode, bits, signed = get_quant_mode(quantizer)
    name = type(quantizer).__name__  # QKeras names each type after its quantizer class
    if mode == FLOAT:
        return floating(32)
    if mode == TERNARY and name in _FIXED_FAMILY:
        # qtools keeps quantized_bits(2, 1) fixed point (print_qstats is what reads it as ternary)
        mode = FIXED
    if name == "quantized_bits":
        signed = int(bool(quantizer.keep_negative))  # keep_negative=False is unsigned
    if name == "quantized_relu" and getattr(quantizer, "negative_slope", 0):
        signed = 1  # a leaky relu takes negative values
    if mode == BINARY and getattr(quantizer, "use_01", False):
        mode = BINARY01  # binary(use_01=True) is {0, 1}
    if mode == PO2:
        max_value = getattr(quantizer, "max_value", None)
        return QType(PO2, bits, bits, bool(signed), name, _po2_exps(quantizer), max_value=max_value or -1)
    if mode in (BINARY, BINARY01):
        return QType(mode, 1, 1, mode == BINARY, name)
    if mode == TERNARY:
        return QType(TERNARY, 2, 2, True, name)
    return QType(FIXED, bits, int(getattr(quantizer, "integer", 0) or 0), bool(signed), name)


def _po2_exps(quantizer: Any) -> tuple[int, int]:
    """(bits a shift by the smallest exponent adds on the right, bits the largest adds on the left),
    from the exponent range hwq's quantizer declares."""
    kind = quantizer.hw_kind()
    if not isinstance(kind, Po2Type):
        raise TypeError(f"{quantizer} is not a power-of-two quantizer")
    return max(0, -kind.min_exp), max(0, kind.max_exp)


def po2_exps_of_width(bits: int, signed: bool, max_value: float = -1) -> tuple[int, int]:
    """QKeras' exponent span of a po2 type known only by its width: the bits past the sign hold a signed
    exponent, so 2^(n-1) positions on the right and up to 2^(n-1) - 1 on the left, the left capped by
    ceil(log2 max_value) when a ceiling is declared (by 0 when it is not above 0)."""
    magnitude = int(bits) - int(bool(signed))
    if magnitude < 1:
        raise ValueError(f"a {bits}-bit {'signed ' if signed else ''}power-of-two type has no exponent bits")
    right, left = 2 ** (magnitude - 1), 2 ** (magnitude - 1) - 1
    if max_value != -1:
        left = 0 if max_value <= 0 else min(math.ceil(math.log2(max_value)), left)
    return right, max(0, left)


# -- multiplier ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Multiplier:
    """An operation's result: what implements it, its output type and its energy gate. A divider's
    result (make_divider) has the same shape."""

    kind: str  # qtools' implementation: mul, shifter, mux, xor, and, add (po2 × po2)
    output: QType
    gate_factor: float
    gate_bits: float

    def to_json(self) -> dict[str, Any]:
        return self.output.to_json(op_type=self.kind)

    def implemented_as(self) -> str:
        """QKeras' name for the kind (qtools multipliers answer it through this method)."""
        return self.kind


def kind_for_modes(w_mode: int, x_mode: int) -> str:
    """qtools' table of what multiplies a weight of mode w_mode by an input of mode x_mode."""
    modes = {w_mode, x_mode}
    if FLOAT in modes:
        return "mul"
    if BINARY01 in modes:
        return "and"
    if modes == {BINARY}:
        return "xor"
    if modes & {BINARY, TERNARY}:
        return "mux"
    if modes == {PO2}:
        return "add"
    if PO2 in modes:
        return "shifter"
    return "mul"


def multiplier_kind(w: QType, x: QType) -> str:
    return kind_for_modes(w.mode, x.mode)


def product_mode(w_mode: int, x_mode: int) -> int:
    """qtools' table of the mode of a product: float wins, then fixed point; a power of two times
    anything but fixed point stays one; two of binary/ternary give ternary, unless both are ±1 (binary)
    or both {0, 1} (binary {0, 1})."""
    modes = {w_mode, x_mode}
    for mode in (FLOAT, FIXED, PO2):
        if mode in modes:
            return mode
    if modes in ({BINARY}, {BINARY01}):
        return w_mode
    return TERNARY


def make_multiplier(w: QType, x: QType, kind: str | None = None, mode: int | None = None) -> Multiplier:
    """The product of a weight of type w and an input of type x. kind and mode (of the output) follow
    qtools' tables unless given, as a QKeras multiplier class and its output template fix them."""
    from hwq.qtools import energy_model as em

    kind = kind or multiplier_kind(w, x)
    mode = product_mode(w.mode, x.mode) if mode is None else mode
    signed = w.signed or x.signed
    if mode == FLOAT:
        floats = [t.bits for t in (w, x) if t.is_float]
        if not floats:
            raise ValueError("a floating-point product needs a floating-point operand")
        return Multiplier("mul", floating(max(floats)), 1.0, float(max(floats)))
    if kind == "mul":
        int_bits = w.int_bits + x.int_bits
        frac = w.frac_bits + x.frac_bits
        out = fixed(int_bits + frac + int(signed), int_bits, signed)
        return Multiplier(kind, out, *em.mult_gate(x.bits, w.bits))
    if kind == "mux":
        # the binary/ternary operand selects (and negates) the other one
        selector, other = (w, x) if w.mode in (BINARY, TERNARY) else (x, w)
        bits = other.bits + int(not other.signed and selector.signed)
        out = _product(mode, bits, bits if mode == PO2 else other.int_bits, signed, w, x)
        return Multiplier(kind, out, *em.mux_gate(other.bits, selector.mode == BINARY))
    if kind == "xor":
        out = _product(mode, max(w.bits, x.bits), max(w.int_bits, x.int_bits), signed, w, x, gate=True)
        return Multiplier(kind, out, *em.xor_gate())
    if kind == "and":
        int_bits = x.int_bits if w.mode == BINARY01 else w.int_bits
        out = _product(mode, max(w.bits, x.bits), int_bits, signed, w, x, gate=True)
        return Multiplier(kind, out, *em.and_gate(out.bits))
    if kind == "shifter":
        po2_type, qb = (w, x) if w.mode == PO2 else (x, w)
        right, left = po2_type.po2_exps
        bits = qb.bits + left + right + int(not qb.signed and po2_type.signed)
        out = fixed(bits, qb.int_bits + left, signed)
        return Multiplier(kind, out, *em.shifter_gate(po2_type.bits, qb.bits, po2_type.value_count))
    # po2 × po2: the exponents add; qtools sizes the sum one bit wider than the wider exponent
    bits = max(w.bits, x.bits) + 1
    ceiling = w.max_value * x.max_value if -1 not in (w.max_value, x.max_value) else -1
    out = replace(po2(bits, signed, ceiling), int_bits=max(w.int_bits, x.int_bits) + 1)
    return Multiplier(kind, out, *em.adder_gate(x.bits, w.bits))


def _product(mode: int, bits: int, int_bits: int, signed: bool, w: QType, x: QType, gate: bool = False) -> QType:
    """A product's type in the mode qtools' table gives it. A power of two (times binary or ternary) keeps
    the exponents of the power-of-two operand; an xor or and gate's ternary product is plain ternary (2 bits,
    2 integer bits: QKeras leaves its ternary template as it is), a mux's has the selected operand's widths."""
    if mode == PO2:
        p = w if w.mode == PO2 else x
        return replace(po2(bits, signed, p.max_value, p.po2_exps), int_bits=int_bits)
    if mode == TERNARY:
        return QType(TERNARY, 2, 2, True, "ternary") if gate else QType(TERNARY, bits, int_bits, True, "ternary")
    if mode in (BINARY, BINARY01):
        return QType(mode, bits, int_bits, mode == BINARY, "binary")
    return fixed(bits, int_bits, signed)


# -- accumulator and adder ----------------------------------------------------------------------------

def sum_growth(addends: int) -> int:
    """Integer bits a sum of `addends` values gains over one of them: ceil(log2 addends)."""
    return math.ceil(math.log2(addends)) if addends > 1 else 0


def make_accumulator(mult: QType, fan_in: int, bias: QType | None) -> QType:
    """Sum of fan_in products (ceil(log2 fan_in) more integer and total bits; a power-of-two product is
    first the fixed-point type spanning its exponents), then the bias added by one more adder (make_adder)."""
    if mult.is_float:
        return replace(mult)
    products = po2_as_fixed(mult)
    growth = sum_growth(fan_in)
    total = fixed(products.bits + growth, products.int_bits + growth, products.signed)
    if bias is not None and not bias.is_float:
        return make_adder(total, bias)
    return total


def union_of(types: Sequence[QType]) -> QType:
    """The narrowest type holding every value of each of `types`: identical types give that type; floats
    the widest float; otherwise fixed point (powers of two first converted) with the most integer bits,
    the finest fraction, signed if any is."""
    first = types[0]
    if all(t == first for t in types[1:]):
        return first
    floats = [t.bits for t in types if t.is_float]
    if floats:
        return floating(max(floats))
    fixed_types = [po2_as_fixed(t) for t in types]
    int_bits = max(t.int_bits for t in fixed_types)
    signed = any(t.signed for t in fixed_types)
    return fixed(int_bits + max(t.frac_bits for t in fixed_types) + int(signed), int_bits, signed)


def make_adder(a: QType, b: QType) -> QType:
    """The type of a + b (QKeras' adder rule): a float if either is one (the wider); otherwise aligned on
    the finer fraction with one integer bit more than the wider operand, signed if either is. A power of
    two first becomes the fixed-point type spanning its exponents."""
    return make_accumulator(union_of([a, b]), 2, None)


def make_subtractor(a: QType, b: QType) -> QType:
    """The type of a - b: the adder's, plus a sign bit when neither operand has one."""
    total = make_adder(a, b)
    if total.is_float or a.signed or b.signed:
        return total
    return replace(total, bits=total.bits + 1, signed=True)


def po2_as_fixed(q: QType) -> QType:
    """A po2 type as the fixed-point type holding every value it takes; other modes unchanged."""
    if q.mode != PO2:
        return q
    right, left = q.po2_exps
    return fixed(int(q.signed) + right + left, left, q.signed)


# -- divider and square root (batch normalization) ---------------------------------------------------

def make_divider(numerator: QType, denominator: QType) -> Multiplier:
    """numerator / denominator (QKeras' divider table): by a power of two, a shift the other way (the
    denominator's right span widens the integer part) or, for a power of two over one, a subtraction of
    exponents; floats divide as the widest float, a fixed-point denominator gives a 32-bit float.
    Binary and ternary denominators are refused (UnacceptedQuantizerError)."""
    from hwq.qtools import energy_model as em

    if denominator.mode in (TERNARY, BINARY, BINARY01):
        raise UnacceptedQuantizerError(f"denominator quantizer {denominator.name} not accepted!")
    floats = [t.bits for t in (numerator, denominator) if t.is_float]
    if floats or denominator.mode == FIXED:
        bits = max(floats) if floats else FLOATINGPOINT_BITS
        return Multiplier("mul", floating(bits), 1.0, float(bits))
    signed = numerator.signed or denominator.signed
    if numerator.mode == PO2:
        ratio = (numerator.max_value / denominator.max_value
                 if -1 not in (numerator.max_value, denominator.max_value) else -1)
        out = replace(po2(max(numerator.bits, denominator.bits) + 1, True, ratio),
                      int_bits=max(numerator.int_bits, denominator.int_bits) + 1)
        return Multiplier("add", out, 1.0, float(out.bits))
    right, left = denominator.po2_exps
    bits = numerator.bits + right + left + int(not numerator.signed and denominator.signed)
    int_bits = numerator.int_bits + right
    # QKeras' template for a binary numerator is a power-of-two type; its widths are the shift's
    out = (replace(po2(bits, signed), int_bits=int_bits, name="quantized_po2")
           if numerator.mode in (BINARY, BINARY01) else fixed(bits, int_bits, signed))
    gate = em.shifter_gate(denominator.bits, numerator.bits, denominator.value_count)
    return Multiplier("shifter", out, *gate)


def stddev_type(variance: QType) -> QType:
    """The type of sqrt(variance): a power of two loses one bit (its exponent halves) and its ceiling
    becomes round(sqrt(ceiling)); any other type is kept (QKeras' rule)."""
    if variance.mode != PO2:
        return variance
    ceiling = float(round(math.sqrt(variance.max_value))) if variance.max_value >= 0 else variance.max_value
    return replace(po2(variance.bits - 1, variance.signed, ceiling), name=variance.name,
                   value_count=variance.value_count)
