"""The scalar ops: for each, its exact evaluation on integer mantissas and the interval it can reach.

A step's value is an integer mantissa m meaning m * 2^-frac. Arrays are numpy int64 (object where a
value needs more than 62 bits); every op is exact on them.

| op       | args      | attrs                          | value                                           |
|----------|-----------|--------------------------------|-------------------------------------------------|
| input    |           | (port,)                        | the input's mantissa                            |
| const    |           | (c,)                           | c                                               |
| add      | a, b      | (sa, sb, na, nb)               | ±(a << sa) ± (b << sb) (na, nb: negate that one)|

A shift scales (a << s is a * 2^s at the same binary point): add, neg and their operands share one frac.
| neg      | a         |                                | -a                                              |
| quantize | a         | (FixedType,)                   | a cast to the type (its rounding and overflow)  |
| relu     | a         |                                | max(a, 0)                                       |
| mux      | c, a, b   |                                | a where c != 0, else b                          |
| table    | a         | (lo, values...)                | values[clip(a, lo, lo + len - 1) - lo]          |
| mul      | a, b      |                                | a * b                                           |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hwq.fixed import FixedType
from hwq.fixed.ops import cast


@dataclass(frozen=True)
class Range:
    lo: int
    hi: int


@dataclass(frozen=True)
class ScalarOp:
    arity: int
    evaluate: Callable  # (attrs, frac of each arg, *arrays) -> array
    bound: Callable  # (attrs, *Range) -> Range
    linear: bool = False  # a fixed integer combination of the inputs (the symbolic check follows it)


def _add(attrs, fracs, a, b):
    sa, sb, na, nb = attrs
    a = a << sa if sa else a
    b = b << sb if sb else b
    return (-a if na else a) + (-b if nb else b)


def _add_bound(attrs, a: Range, b: Range) -> Range:
    sa, sb, na, nb = attrs
    ta = _scaled(a, (-1 if na else 1) << sa)
    tb = _scaled(b, (-1 if nb else 1) << sb)
    return Range(ta.lo + tb.lo, ta.hi + tb.hi)


def _scaled(r: Range, k: int) -> Range:
    return Range(min(r.lo * k, r.hi * k), max(r.lo * k, r.hi * k))


def _quantize(attrs, fracs, a):
    (t,) = attrs
    return cast(a, FixedType(64, 64 - fracs[0], True), t)


def _quantize_bound(attrs, a: Range) -> Range:
    (t,) = attrs
    return Range(t.min_mantissa, t.max_mantissa)


def _table(attrs, fracs, a):
    lo, values = attrs[0], np.array(attrs[1:], dtype=object)
    out = values[np.clip(a, lo, lo + len(values) - 1).astype(np.int64) - lo]
    return out.astype(np.int64) if all(abs(int(v)) < 1 << 62 for v in values) else out


def _product_bound(attrs, a: Range, b: Range) -> Range:
    corners = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return Range(min(corners), max(corners))


OPS: dict[str, ScalarOp] = {
    "input": ScalarOp(0, lambda attrs, fracs: None, lambda attrs: None, linear=True),
    "const": ScalarOp(0, lambda attrs, fracs: attrs[0], lambda attrs: Range(attrs[0], attrs[0]), linear=True),
    "add": ScalarOp(2, _add, _add_bound, linear=True),
    "neg": ScalarOp(1, lambda attrs, fracs, a: -a, lambda attrs, a: Range(-a.hi, -a.lo), linear=True),
    "quantize": ScalarOp(1, _quantize, _quantize_bound),
    "relu": ScalarOp(1, lambda attrs, fracs, a: np.maximum(a, 0), lambda attrs, a: Range(max(a.lo, 0), max(a.hi, 0))),
    "mux": ScalarOp(3, lambda attrs, fracs, c, a, b: np.where(c != 0, a, b),
                    lambda attrs, c, a, b: Range(min(a.lo, b.lo), max(a.hi, b.hi))),
    "table": ScalarOp(1, _table, lambda attrs, a: Range(min(attrs[1:]), max(attrs[1:]))),
    "mul": ScalarOp(2, lambda attrs, fracs, a, b: a * b, _product_bound),
}
