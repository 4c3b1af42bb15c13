"""The types of qtools' data type map: a quantizer's mode and bit counts, and how they grow through
a multiplier and an accumulator (QKeras' rules, which assume worst-case operands rather than the
actual weights; hwq's IR carries the exact widths, see hwq.qtools.graph_energy).

`int_bits` counts integer bits without the sign, as QKeras does internally; the JSON adds the sign.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

from hwq.fixed.kinds import Po2Type
from hwq.utils.qstats import BINARY, BINARY01, FIXED, FLOAT, PO2, TERNARY, get_quant_mode

MODE_NAMES = {FIXED: "quantized_bits", PO2: "quantized_po2", TERNARY: "ternary", BINARY: "binary",
              BINARY01: "binary", FLOAT: "floating_point"}


@dataclass(frozen=True)
class QType:
    mode: int
    bits: int
    int_bits: int
    signed: bool
    name: str
    po2_exps: tuple[int, int] = (0, 0)  # po2: (bits right of the point, bits left of it) a shift spans
    value_count: int = -1  # po2 weights at inference: how many distinct values they take

    @property
    def is_float(self) -> bool:
        return self.mode == FLOAT

    @property
    def frac_bits(self) -> int:
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
    def max_val_po2(self) -> int:
        """The largest power of two a po2 type reaches (-1 for other modes, as QKeras has it)."""
        return 2 ** self.po2_exps[1] if self.mode == PO2 else -1

    def to_json(self, shape=None, op_type: str | None = None) -> dict[str, Any]:
        """QKeras' JSON fields for a quantizer of this mode."""
        d: dict[str, Any] = {"quantizer_type": self.name, "bits": self.bits}
        if self.mode == PO2:
            d |= {"is_signed": int(self.signed), "max_value": 2 ** self.po2_exps[1]}
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


def floating(bits: int = 32) -> QType:
    return QType(FLOAT, int(bits), -1, True, "floating_point")


def qtype_of(quantizer: Any) -> QType:
    """The qtools type of a quantizer object, a quantizer string, or 'intN' / 'fpN' (QKeras' defaults:
    intN is a signed N-bit integer, fpN a float); None and plain functions are fp32."""
    if isinstance(quantizer, QType):
        return quantizer
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
    name = type(quantizer).__name__ if mode != FLOAT else "floating_point"
    if mode == FLOAT:
        return floating(32)
    if mode == PO2:
        return QType(PO2, bits, bits, bool(signed), name, _po2_exps(quantizer))
    if mode in (BINARY, BINARY01):
        return QType(mode, 1, 1, mode == BINARY, "binary")
    if mode == TERNARY:
        return QType(TERNARY, 2, 2, True, "ternary")
    return QType(FIXED, bits, int(getattr(quantizer, "integer", 0) or 0), bool(signed), name)


def _po2_exps(quantizer: Any) -> tuple[int, int]:
    """(bits a shift by the smallest exponent adds on the right, bits the largest adds on the left),
    from the exponent range hwq's quantizer declares."""
    kind = quantizer.hw_kind()
    if not isinstance(kind, Po2Type):
        raise TypeError(f"{quantizer} is not a power-of-two quantizer")
    return max(0, -kind.min_exp), max(0, kind.max_exp)


# -- multiplier ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Multiplier:
    kind: str  # qtools' implementation: mul, shifter, mux, xor, and, add (po2 × po2)
    output: QType
    gate_factor: float
    gate_bits: float

    def to_json(self) -> dict[str, Any]:
        return self.output.to_json(op_type=self.kind)

    def implemented_as(self) -> str:
        """QKeras' name for the kind (qtools multipliers answer it through this method)."""
        return self.kind


def multiplier_kind(w: QType, x: QType) -> str:
    """qtools' table of what multiplies a weight of mode w by an input of mode x."""
    modes = {w.mode, x.mode}
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


def make_multiplier(w: QType, x: QType) -> Multiplier:
    from hwq.qtools import energy_model as em

    kind = multiplier_kind(w, x)
    signed = w.signed or x.signed
    if kind == "mul" and (w.is_float or x.is_float):
        bits = max(w.bits if w.is_float else 0, x.bits if x.is_float else 0)
        return Multiplier("mul", floating(bits), 1.0, float(bits))
    if kind == "mul":
        int_bits = w.int_bits + x.int_bits
        frac = w.frac_bits + x.frac_bits
        out = fixed(int_bits + frac + int(signed), int_bits, signed)
        return Multiplier(kind, out, *em.mult_gate(x.bits, w.bits))
    if kind == "mux":
        # the binary/ternary operand selects (and negates) the other one
        selector, other = (w, x) if w.mode in (BINARY, TERNARY) else (x, w)
        bits = other.bits + int(not other.signed and selector.signed)
        out = fixed(bits, other.int_bits, signed)
        return Multiplier(kind, out, *em.mux_gate(other.bits, selector.mode == BINARY))
    if kind == "xor":
        out = fixed(max(w.bits, x.bits), max(w.int_bits, x.int_bits), signed)
        return Multiplier(kind, out, *em.xor_gate())
    if kind == "and":
        int_bits = x.int_bits if w.mode == BINARY01 else w.int_bits
        out = fixed(max(w.bits, x.bits), int_bits, signed)
        return Multiplier(kind, out, *em.and_gate(out.bits))
    if kind == "shifter":
        po2, qb = (w, x) if w.mode == PO2 else (x, w)
        right, left = po2.po2_exps
        bits = qb.bits + left + right + int(not qb.signed and po2.signed)
        out = fixed(bits, qb.int_bits + left, signed)
        return Multiplier(kind, out, *em.shifter_gate(po2.bits, qb.bits, po2.value_count))
    # po2 × po2: the exponents add; qtools sizes the sum one bit wider than the wider exponent
    out = fixed(max(w.bits, x.bits) + 1, max(w.int_bits, x.int_bits) + 1, signed)
    return Multiplier(kind, out, *em.adder_gate(x.bits, w.bits))


# -- accumulator --------------------------------------------------------------------------------------

def make_accumulator(mult: QType, fan_in: int, bias: QType | None) -> QType:
    """Sum of fan_in products (ceil(log2 fan_in) more integer bits), then the bias added by one more
    adder (make_adder)."""
    if mult.is_float:
        return replace(mult)
    int_bits = mult.int_bits + (math.ceil(math.log2(fan_in)) if fan_in > 1 else 0)
    total = fixed(int_bits + max(mult.frac_bits, 0) + int(mult.signed), int_bits, mult.signed)
    if bias is not None and not bias.is_float:
        return make_adder(total, bias)
    return total


def make_adder(a: QType, b: QType) -> QType:
    """The type of a + b (QKeras' adder rule): a float if either is one (the wider); otherwise aligned on
    the finer fraction with one integer bit more than the wider operand, signed if either is. A power of
    two first becomes the fixed-point type spanning its exponents."""
    if a.is_float or b.is_float:
        return floating(max(t.bits for t in (a, b) if t.is_float))
    a, b = po2_as_fixed(a), po2_as_fixed(b)
    int_bits = max(a.int_bits, b.int_bits) + 1
    signed = a.signed or b.signed
    return fixed(int_bits + max(a.frac_bits, b.frac_bits, 0) + int(signed), int_bits, signed)


def po2_as_fixed(q: QType) -> QType:
    """A po2 type as the fixed-point type holding every value it takes; other modes unchanged."""
    if q.mode != PO2:
        return q
    right, left = q.po2_exps
    return fixed(int(q.signed) + right + left, left, q.signed)
