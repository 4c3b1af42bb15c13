"""hwq.fixed checked against an independent reference written from the mode definitions.

The reference below uses only Python integers and fractions.Fraction: a value is an exact
rational, rounding is integer floor division plus the tie rule, overflow is integer clamping or
modular reduction. It never calls into hwq. Every comparison is exact (==), never a tolerance.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwq.fixed import (
    FixedType,
    Overflow,
    Rounding,
    ac_spelling,
    add,
    ap_spelling,
    bits_for_range,
    cast,
    fitting_type,
    multiply,
    parse_type,
    product_type,
    quantize,
    sum_type,
    to_float,
)

ROUNDINGS = ("TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV")
OVERFLOWS = ("WRAP", "SAT", "SAT_ZERO", "SAT_SYM")
FLOAT64_EXACT = 52  # float carriers hold |m| < 2**52 (float64) and < 2**23 (float32): one spare bit
FLOAT32_EXACT = 23
INT64_EXACT = 62


# ---------------------------------------------------------------------------------------------
# the independent reference
# ---------------------------------------------------------------------------------------------

def ref_range(width: int, signed: bool) -> tuple[int, int]:
    """Smallest and largest mantissa of a `width`-bit two's complement / plain binary word."""
    if signed:
        return -(2 ** (width - 1)), 2 ** (width - 1) - 1
    return 0, 2 ** width - 1


def ref_round(num: int, den: int, mode: str) -> int:
    """Round the rational num/den (den > 0) to an integer as `mode` says."""
    assert den > 0
    fl = num // den  # floor
    rem = num - fl * den  # 0 <= rem < den: what the floor dropped, in units of 1/den
    if rem == 0:
        return fl  # exact: no mode changes anything
    negative = num < 0
    if mode == "TRN":
        return fl
    if mode == "TRN_ZERO":
        return fl + 1 if negative else fl
    if 2 * rem > den:
        return fl + 1  # nearest is above
    if 2 * rem < den:
        return fl  # nearest is below
    # an exact tie between fl and fl + 1
    if mode == "RND":
        return fl + 1  # toward +inf
    if mode == "RND_ZERO":
        return fl + 1 if negative else fl
    if mode == "RND_INF":
        return fl if negative else fl + 1
    if mode == "RND_MIN_INF":
        return fl
    if mode == "RND_CONV":
        return fl if fl % 2 == 0 else fl + 1
    raise AssertionError(mode)


def ref_overflow_list(ns: list[int], width: int, signed: bool, mode: str) -> list[int]:
    """Bring each integer of ns into a `width`-bit word as `mode` says."""
    lo, hi = ref_range(width, signed)
    if mode == "SAT_SYM" and signed:
        lo = -hi  # the most negative code is never produced
    if mode == "WRAP":
        span, top = 2 ** width, 2 ** (width - 1)

        def outside(n):
            n %= span  # keep the low `width` bits
            return n - span if signed and n >= top else n
    elif mode in ("SAT", "SAT_SYM"):
        def outside(n):
            return lo if n < lo else hi
    elif mode == "SAT_ZERO":
        def outside(n):
            return 0
    else:
        raise AssertionError(mode)
    return [n if lo <= n <= hi else outside(n) for n in ns]


def ref_overflow(n: int, width: int, signed: bool, mode: str) -> int:
    return ref_overflow_list([n], width, signed, mode)[0]


def ref_quantize(x: Fraction, width: int, integer: int, signed: bool, rnd: str, ovf: str) -> int:
    """Mantissa of the exact value x in the type (width, integer, signed, rnd, ovf)."""
    scaled = Fraction(x) * Fraction(2) ** (width - integer)
    return ref_overflow(ref_round(scaled.numerator, scaled.denominator, rnd), width, signed, ovf)


def ref_value(m: int, width: int, integer: int) -> Fraction:
    return Fraction(m) * Fraction(2) ** (integer - width)


def T(width, integer, signed=True, rnd="TRN", ovf="WRAP") -> FixedType:
    return FixedType(width, integer, signed, rnd, ovf)


def ref_quantize_t(x, t: FixedType) -> int:
    return ref_quantize(Fraction(x), t.width, t.integer, t.signed, t.rounding.value, t.overflow.value)


def ref_cast_t(m: int, src: FixedType, dst: FixedType) -> int:
    return ref_quantize_t(ref_value(m, src.width, src.integer), dst)


def as_ints(a) -> list:
    """Values of a result array as a flat list, checking every entry is an exact integer."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        assert np.array_equal(np.floor(a), a), a  # integral (and finite)
        return a.ravel().tolist()
    assert a.dtype.kind == "i" or a.dtype == object, a.dtype
    out = a.ravel().tolist()
    if a.dtype == object:
        assert {type(v) for v in out} <= {int}, {type(v) for v in out}  # Python ints, never numpy scalars
    return out


def carriers_for(ms: list[int], width: int) -> list[tuple[np.ndarray, object]]:
    """(input array, requested output dtype) pairs for every carrier that can hold width-bit mantissas."""
    out = [(np.array(ms, dtype=object), None)]
    if width <= INT64_EXACT:
        out.append((np.array(ms, dtype=np.int64), None))
    if width <= FLOAT64_EXACT:
        out.append((np.array(ms, dtype=np.float64), np.float64))
    if width <= FLOAT32_EXACT:
        out.append((np.array(ms, dtype=np.float32), np.float32))
    return out


def out_dtypes(dst: FixedType, requested) -> bool:
    """Whether hwq can hand the result back in `requested` (a float carrier) for dst."""
    if requested is None:
        return True
    return dst.width <= (FLOAT32_EXACT if np.dtype(requested).itemsize == 4 else FLOAT64_EXACT)


# ---------------------------------------------------------------------------------------------
# the reference itself against hand-worked tables (so the reference is not trusted blindly)
# ---------------------------------------------------------------------------------------------

TIE_X = (2.5, -2.5, 3.5, -3.5, 2.25, -2.25, 2.75, -2.75, 0.5, -0.5, 3.0, -3.0)
TIE_TABLE = {
    "TRN":         (2, -3, 3, -4, 2, -3, 2, -3, 0, -1, 3, -3),
    "TRN_ZERO":    (2, -2, 3, -3, 2, -2, 2, -2, 0, 0, 3, -3),
    "RND":         (3, -2, 4, -3, 2, -2, 3, -3, 1, 0, 3, -3),
    "RND_ZERO":    (2, -2, 3, -3, 2, -2, 3, -3, 0, 0, 3, -3),
    "RND_INF":     (3, -3, 4, -4, 2, -2, 3, -3, 1, -1, 3, -3),
    "RND_MIN_INF": (2, -3, 3, -4, 2, -2, 3, -3, 0, -1, 3, -3),
    "RND_CONV":    (2, -2, 4, -4, 2, -2, 3, -3, 0, 0, 3, -3),
}
OVF_SIGNED_X = (9, -9, 8, -8, 7, 100, -100, 0)  # into a signed 4-bit word, range -8..7
OVF_SIGNED = {
    "WRAP":     (-7, 7, -8, -8, 7, 4, -4, 0),
    "SAT":      (7, -8, 7, -8, 7, 7, -8, 0),
    "SAT_ZERO": (0, 0, 0, -8, 7, 0, 0, 0),
    "SAT_SYM":  (7, -7, 7, -7, 7, 7, -7, 0),
}
OVF_UNSIGNED_X = (17, -1, 16, 15, -20, 0)  # into an unsigned 4-bit word, range 0..15
OVF_UNSIGNED = {
    "WRAP":     (1, 15, 0, 15, 12, 0),
    "SAT":      (15, 0, 15, 15, 0, 0),
    "SAT_ZERO": (0, 0, 0, 15, 0, 0),
    "SAT_SYM":  (15, 0, 15, 15, 0, 0),
}


def test_reference_matches_hand_tables():
    for mode, want in TIE_TABLE.items():
        got = tuple(ref_round(Fraction(x).numerator, Fraction(x).denominator, mode) for x in TIE_X)
        assert got == want, mode
    for mode, want in OVF_SIGNED.items():
        assert tuple(ref_overflow(n, 4, True, mode) for n in OVF_SIGNED_X) == want, mode
    for mode, want in OVF_UNSIGNED.items():
        assert tuple(ref_overflow(n, 4, False, mode) for n in OVF_UNSIGNED_X) == want, mode


@pytest.mark.parametrize("mode", ROUNDINGS)
def test_quantize_hand_ties(mode):
    t = T(8, 8, True, mode, "SAT")
    for dtype in (None, np.float64, np.float32):
        assert as_ints(quantize(np.array(TIE_X), t, dtype=dtype)) == list(TIE_TABLE[mode])
    # the same ties one lsb apart at a finer scale: 2.5 lsb of ap_fixed<8,3> is 2.5 / 32
    t = T(8, 3, True, mode, "SAT")
    assert as_ints(quantize(np.array(TIE_X) / 32, t)) == list(TIE_TABLE[mode])
    # and as a cast: mantissas 4x of a type with two more fraction bits
    src = T(12, 10)
    m = np.array([int(x * 4) for x in TIE_X], dtype=np.int64)
    assert as_ints(cast(m, src, T(10, 10, True, mode, "SAT"))) == list(TIE_TABLE[mode])


@pytest.mark.parametrize("mode", OVERFLOWS)
def test_quantize_hand_overflow(mode):
    for dtype in (None, np.float64, np.float32):
        got = quantize(np.array(OVF_SIGNED_X, dtype=float), T(4, 4, True, "TRN", mode), dtype=dtype)
        assert as_ints(got) == list(OVF_SIGNED[mode])
        got = quantize(np.array(OVF_UNSIGNED_X, dtype=float), T(4, 4, False, "TRN", mode), dtype=dtype)
        assert as_ints(got) == list(OVF_UNSIGNED[mode])


def test_rounding_carry_then_overflow():
    # 7.5 rounds up to 8, which is out of a signed 4-bit word: overflow applies to the rounded value
    x = np.array([7.5, -8.5, 7.25])
    assert as_ints(quantize(x, T(4, 4, True, "RND", "SAT"))) == [7, -8, 7]
    assert as_ints(quantize(x, T(4, 4, True, "RND", "WRAP"))) == [-8, -8, 7]
    assert as_ints(quantize(x, T(4, 4, True, "RND_INF", "WRAP"))) == [-8, 7, 7]
    assert as_ints(quantize(x, T(4, 4, True, "RND_INF", "SAT_ZERO"))) == [0, 0, 7]
    assert as_ints(quantize(x, T(4, 4, True, "RND_CONV", "SAT_SYM"))) == [7, -7, 7]


# ---------------------------------------------------------------------------------------------
# 1. cast, exhaustively on small types
# ---------------------------------------------------------------------------------------------

# (width, integer, signed): integer bits negative, zero, inside and beyond the width
CAST_SOURCES = [(1, 1, True), (3, -2, True), (4, 6, False), (6, -1, False), (7, 3, True), (7, 10, False)]
CAST_SHIFTS = (-3, 0, 1, 2, 8)  # src.frac - dst.frac: <0 shifts left, >0 drops bits (8 drops them all)


@pytest.mark.parametrize("src_spec", CAST_SOURCES, ids=lambda s: f"w{s[0]}i{s[1]}{'s' if s[2] else 'u'}")
def test_cast_exhaustive(src_spec):
    sw, si, ss = src_spec
    src = T(sw, si, ss)
    lo, hi = ref_range(sw, ss)
    ms = list(range(lo, hi + 1))
    inputs = carriers_for(ms, sw)
    values = [ref_value(m, sw, si) for m in ms]
    for shift in CAST_SHIFTS:
        dst_frac = src.frac - shift
        scaled = [v * Fraction(2) ** dst_frac for v in values]
        for k, rnd in enumerate(ROUNDINGS):
            rounded = [ref_round(x.numerator, x.denominator, rnd) for x in scaled]
            for j, (dw, ds, ovf) in enumerate(itertools.product(range(1, 7), (True, False), OVERFLOWS)):
                if shift <= 0 and j % 7 != k:
                    continue  # nothing is dropped, so rounding cannot matter: one rounding per shape suffices
                dst = T(dw, dw - dst_frac, ds, rnd, ovf)
                want = ref_overflow_list(rounded, dw, ds, ovf)
                for m, dtype in inputs:
                    got = cast(m, src, dst, dtype=dtype)
                    assert got.shape == m.shape
                    if dtype is not None:
                        assert got.dtype == np.dtype(dtype)
                    assert as_ints(got) == want, (src, dst, m.dtype, dtype)


def test_cast_float_carrier_to_integer_result():
    # float mantissas with dtype=None come back as exact integers too
    src, dst = T(7, 3), T(4, 1, True, "RND_CONV", "SAT_SYM")
    ms = list(range(-64, 64))
    want = [ref_cast_t(m, src, dst) for m in ms]
    for dt in (np.float64, np.float32):
        got = cast(np.array(ms, dtype=dt), src, dst)
        assert got.dtype.kind in "iO"
        assert as_ints(got) == want


def test_cast_shapes_and_empty():
    src, dst = T(8, 4), T(5, 2, True, "RND", "SAT")
    m = np.arange(-128, 128).reshape(16, 16)
    got = cast(m, src, dst)
    assert got.shape == (16, 16)
    assert as_ints(got) == [ref_cast_t(v, src, dst) for v in m.ravel().tolist()]
    for dt in (np.int64, np.float64, object):
        assert cast(np.zeros((0, 3), dtype=dt), src, dst).shape == (0, 3)
    assert quantize(np.zeros((2, 0)), dst).shape == (2, 0)


# ---------------------------------------------------------------------------------------------
# 2. quantize from float
# ---------------------------------------------------------------------------------------------

QUANT_TYPES = [(w, i, s) for w in (1, 2, 3, 5, 6) for i in (-2, 0, 3, w + 2) for s in (True, False)]


@pytest.mark.parametrize("rnd", ROUNDINGS)
def test_quantize_grid(rnd):
    """A grid of quarter-lsb steps (exact ties, negative ties) reaching 4x past each type's range."""
    for w, i, s in QUANT_TYPES:
        frac = w - i
        span = 2 ** (w + 2)
        ks = list(range(-4 * span, 4 * span + 1))  # x = k/4 lsb
        x = np.ldexp(np.array(ks, dtype=np.float64), -frac - 2)
        rounded = [ref_round(k, 4, rnd) for k in ks]
        for ovf in OVERFLOWS:
            t = T(w, i, s, rnd, ovf)
            want = ref_overflow_list(rounded, w, s, ovf)
            for dtype in (None, np.float64, np.float32):
                got = quantize(x, t, dtype=dtype)
                if dtype is not None:
                    assert got.dtype == np.dtype(dtype)
                assert as_ints(got) == want, (t, dtype)


FAR_X = [1e30, -1e30, 1e300, -1e300, 2.0 ** 60 + 8, -(2.0 ** 60) - 8, 2.0 ** 62 + 2 ** 10, 12345678.75,
         -98765.5, 2.0 ** 53 + 2, 3.0 * 2 ** 70, -(2.0 ** 52) - 0.5 * 2 ** 1, 1e15 + 0.5, -(1e15 + 0.5),
         2.0 ** 52 - 0.5, -(2.0 ** 52) + 0.5, 2.0 ** 51 + 0.5, 0.49999999999999994, -0.49999999999999994]


@pytest.mark.parametrize("ovf", OVERFLOWS)
@pytest.mark.parametrize("rnd", ROUNDINGS)
def test_quantize_far_and_huge(rnd, ovf):
    """Values far past the range saturate or wrap exactly, including 1e30 and 1e300."""
    types = [T(8, 8, True, rnd, ovf), T(8, 4, False, rnd, ovf), T(16, 6, True, rnd, ovf),
             T(5, -3, True, rnd, ovf), T(12, 20, False, rnd, ovf), T(40, 30, True, rnd, ovf),
             T(52, 52, True, rnd, ovf), T(53, 53, True, rnd, ovf), T(62, 61, True, rnd, ovf)]
    for t in types:
        xs = [x for x in FAR_X if abs(x) * 2.0 ** t.frac < 1e307]
        want = [ref_quantize_t(x, t) for x in xs]
        got = quantize(np.array(xs), t)
        assert as_ints(got) == want, t
        if t.width <= FLOAT64_EXACT:
            assert as_ints(quantize(np.array(xs), t, dtype=np.float64)) == want, t


@pytest.mark.parametrize("ovf", OVERFLOWS)
@pytest.mark.parametrize("rnd", ROUNDINGS)
def test_quantize_float32_inputs(rnd, ovf):
    """float32 inputs into a float32 carrier take a float32 path while every scaled value stays below 2**23, and
    the float64 one past it: both exact, ties and far values included."""
    rng = np.random.default_rng(7)
    for t in (T(8, 3, True, rnd, ovf), T(6, 0, False, rnd, ovf), T(16, 6, True, rnd, ovf),
              T(23, 10, True, rnd, ovf), T(12, 14, False, rnd, ovf)):
        lsb = 2.0 ** -t.frac
        ties = (np.arange(-40, 41) * 0.25 * lsb).tolist()  # quarter-lsb steps: exact ties of every sign
        near = [s * (2.0 ** 23 - k) * lsb for s in (1, -1) for k in (0, 1, 2)]  # scaled: at 2**23, the fallback
        far = [1e30, -1e30, 3e38, -3e38, 12345678.75, -98765.5, 1e-30, -1e-30]
        wide = (rng.uniform(-4, 4, 200) * 2.0 ** t.integer).tolist()
        xs = np.array(ties + near + far + wide, dtype=np.float32)
        want = [ref_quantize_t(float(v), t) for v in xs]
        got = quantize(xs, t, dtype=np.float32)
        assert got.dtype == np.float32
        assert as_ints(got) == want, t


def test_quantize_1e30_wraps_exactly():
    x = 1e30
    exact = int(Fraction(x))  # 1e30 as a double is exactly this integer
    assert as_ints(quantize([x], T(8, 8))) == [ref_overflow(exact, 8, True, "WRAP")]
    assert as_ints(quantize([x], T(32, 22))) == [ref_overflow(exact * 1024, 32, True, "WRAP")]
    assert as_ints(quantize([-x], T(20, 20, False))) == [(-exact) % 2 ** 20]
    assert as_ints(quantize([x], T(20, 20), dtype=np.float64)) == [ref_overflow(exact, 20, True, "WRAP")]
    # wide enough to hold it: exact, no wrap
    assert as_ints(quantize([x, -x], T(120, 110))) == [exact * 1024, -exact * 1024]


TINY_X = [5e-324, -5e-324, 1e-310, -1e-310, 1e-300, -1e-300, 2.0 ** -1022, -(2.0 ** -1022), 1e-20, -1e-20, 0.0, -0.0]


@pytest.mark.parametrize("rnd", ROUNDINGS)
def test_quantize_tiny(rnd):
    """Tiny values, including subnormals and types whose lsb is astronomically large."""
    for t in (T(8, 4, True, rnd), T(8, 4, False, rnd), T(8, 108, True, rnd), T(6, 900, True, rnd),
              T(8, 1000, False, rnd), T(20, -1000, True, rnd, "SAT"), T(16, -40, True, rnd, "SAT")):
        xs = [x for x in TINY_X if abs(x) * 2.0 ** t.frac < 1e307]
        want = [ref_quantize_t(x, t) for x in xs]
        assert as_ints(quantize(np.array(xs), t)) == want, t
        assert as_ints(quantize(np.array(xs), t, dtype=np.float64)) == want, t


def test_quantize_rejects_nan_inf():
    t = T(8, 4)
    for bad in ([np.nan], [np.inf], [-np.inf], [1.0, np.nan, 2.0]):
        with pytest.raises(ValueError, match="NaN or infinite"):
            quantize(np.array(bad), t)
        with pytest.raises(ValueError, match="NaN or infinite"):
            quantize(np.array(bad), t, dtype=np.float64)


def test_quantize_unscalable_raises_not_wrong():
    # x * 2**frac beyond float64's range: hwq refuses loudly rather than answering wrongly
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(OverflowError):
        quantize(np.array([1e300]), T(8, -100, True, "TRN", "SAT"))


def test_float_carrier_refuses_wide_types():
    with pytest.raises(OverflowError):
        quantize([1.0], T(53, 10), dtype=np.float64)
    with pytest.raises(OverflowError):
        quantize([1.0], T(24, 10), dtype=np.float32)
    with pytest.raises(OverflowError):
        cast(np.array([1]), T(8, 4), T(60, 10), dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# 3. wide types: 63..200 bits, exact, no silent int64 wrap
# ---------------------------------------------------------------------------------------------

WIDE_WIDTHS = (62, 63, 64, 65, 100, 200)


@pytest.mark.parametrize("width", WIDE_WIDTHS)
def test_quantize_wide(width):
    rng = random.Random(width)
    xs = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30) for _ in range(40)]
    xs += [1e30, -1e30, 0.5, -0.5, 1.5, -2.5, 2.0 ** 70 + 2.0 ** 20, -(2.0 ** 63), 2.0 ** 63]
    shapes = list(itertools.product((0, width // 2, width + 5), (True, False)))
    for (c, (integer, signed)), (r, rnd) in itertools.product(enumerate(shapes), enumerate(ROUNDINGS)):
        ovf = OVERFLOWS[(c + r) % 4]  # every (rounding, overflow) pair occurs across the 6 shapes
        t = T(width, integer, signed, rnd, ovf)
        ties = [k * 2.0 ** -t.frac for k in (0.5, -0.5, 2.5, -2.5, 3.5, -3.5, 2.0 ** 40 + 0.5, -(2.0 ** 40) - 0.5)]
        for x in (xs, ties):
            assert as_ints(quantize(np.array(x), t)) == [ref_quantize_t(v, t) for v in x], t


@pytest.mark.parametrize("width", WIDE_WIDTHS)
def test_cast_wide(width):
    rng = random.Random(1000 + width)
    for signed in (True, False):
        lo, hi = ref_range(width, signed)
        ms = [lo, hi, 0, 1, -1 if signed else 2, lo + 1, hi - 1] + [rng.randint(lo, hi) for _ in range(25)]
        src = T(width, width // 3, signed)
        m_obj = np.array(ms, dtype=object)
        combos = itertools.product((width, width - 9, 8, 1), (-40, 0, 1, 64, 90), (True, False))
        modes = itertools.cycle(itertools.product(ROUNDINGS, OVERFLOWS))
        for dw, shift, ds in combos:
            for rnd, ovf in itertools.islice(modes, 2):  # 2 of the 28 mode pairs per shape, rotating
                dst = T(dw, dw - (src.frac - shift), ds, rnd, ovf)
                want = [ref_cast_t(m, src, dst) for m in ms]
                assert as_ints(cast(m_obj, src, dst)) == want, (src, dst)
                if dw <= FLOAT64_EXACT:
                    assert as_ints(cast(m_obj, src, dst, dtype=np.float64)) == want, (src, dst)


def test_int64_mantissas_into_wide_types():
    """int64 inputs (what narrow casts and quantize produce) must widen exactly, every overflow mode."""
    src = T(8, 4)
    ms = [-128, -127, -65, -64, -63, -2, -1, 0, 1, 2, 63, 64, 65, 126, 127]
    for width, ovf, signed in itertools.product((62, 63, 64, 65, 100, 200), OVERFLOWS, (True, False)):
        for integer in (4, width - 60, width - 4):
            dst = T(width, integer, signed, "RND", ovf)
            want = [ref_cast_t(m, src, dst) for m in ms]
            assert as_ints(cast(np.array(ms, dtype=np.int64), src, dst)) == want, dst
            assert as_ints(cast(np.array(ms, dtype=np.float64), src, dst)) == want, dst
            xs = [0.0, 1.5, -1.5, 7.25, -8.0, 2.0 ** 40 + 1]
            assert as_ints(quantize(np.array(xs), dst)) == [ref_quantize_t(x, dst) for x in xs], dst


def test_int64_boundary_values():
    """Mantissas right at the int64 edge, shifted left past it, stay exact."""
    src = T(62, 62)
    ms = [-(2 ** 61), 2 ** 61 - 1, 2 ** 60 + 12345, -(2 ** 60) - 1]
    for shift in (1, 2, 3, 10, 100):
        dst = T(62 + shift, 62, True, "TRN", "WRAP")  # shift more fraction bits: pure left shift
        want = [m * 2 ** shift for m in ms]
        assert as_ints(cast(np.array(ms, dtype=np.int64), src, dst)) == want
        assert as_ints(cast(np.array(ms, dtype=object), src, dst)) == want
        narrow = T(62, 62 - shift, True, "TRN", "WRAP")  # same shift, wraps at 62 bits
        want = [ref_overflow(m * 2 ** shift, 62, True, "WRAP") for m in ms]
        assert as_ints(cast(np.array(ms, dtype=np.int64), src, narrow)) == want


def test_multiply_two_40_bit_mantissas():
    a, b = T(40, 10), T(40, 20, False)
    lo_a, hi_a = ref_range(40, True)
    lo_b, hi_b = ref_range(40, False)
    ma = [lo_a, hi_a, lo_a, hi_a, -1, 123456789012, 0]
    mb = [hi_b, hi_b, 0, 1, hi_b, 987654321098, hi_b]
    want = [x * y for x, y in zip(ma, mb, strict=True)]
    for dt in (np.int64, object):
        p, t = multiply(np.array(ma, dtype=dt), a, np.array(mb, dtype=dt), b)
        assert as_ints(p) == want
        assert t == product_type(a, b)
        assert (t.width, t.frac, t.signed) == (80, a.frac + b.frac, True)
    # signed x signed: min * min is the one product that needs the full width
    p, t = multiply(np.array([lo_a], dtype=np.int64), a, np.array([lo_a], dtype=np.int64), a)
    assert as_ints(p) == [2 ** 78]
    assert ref_range(t.width, t.signed)[1] >= 2 ** 78


def test_add_two_62_bit_mantissas():
    a = T(62, 30)
    lo, hi = ref_range(62, True)
    for dt in (np.int64, object):
        s, t = add(np.array([hi, lo, hi, -1], dtype=dt), a, np.array([hi, lo, lo, 1], dtype=dt), a)
        assert as_ints(s) == [2 * hi, 2 * lo, -1, 0]
        assert (t.width, t.frac, t.signed) == (63, a.frac, True)
    u = T(62, 62, False)
    hi_u = ref_range(62, False)[1]
    s, t = add(np.array([hi_u], dtype=np.int64), u, np.array([hi_u], dtype=np.int64), u)
    assert as_ints(s) == [2 * hi_u]
    assert (t.width, t.signed) == (63, False)
    # different scales: the coarse operand is shifted up by 40 bits before adding
    b = T(62, -10)  # 40 more fraction bits than a
    s, t = add(np.array([hi, lo], dtype=np.int64), a, np.array([hi, lo], dtype=np.int64), b)
    assert as_ints(s) == [hi * 2 ** 40 + hi, lo * 2 ** 40 + lo]
    assert t.frac == b.frac


@pytest.mark.parametrize("width", (63, 100, 200))
def test_multiply_add_wide(width):
    rng = random.Random(width)
    a, b = T(width, width // 2), T(width - 1, 5, False)
    lo_a, hi_a = ref_range(a.width, True)
    lo_b, hi_b = ref_range(b.width, False)
    ma = [lo_a, hi_a, 0, -1] + [rng.randint(lo_a, hi_a) for _ in range(20)]
    mb = [hi_b, hi_b, lo_b, 1] + [rng.randint(lo_b, hi_b) for _ in range(20)]
    p, pt = multiply(np.array(ma, dtype=object), a, np.array(mb, dtype=object), b)
    assert as_ints(p) == [x * y for x, y in zip(ma, mb, strict=True)]
    assert pt.frac == a.frac + b.frac
    s, st_ = add(np.array(ma, dtype=object), a, np.array(mb, dtype=object), b)
    for x, y, z in zip(ma, mb, as_ints(s), strict=True):
        va, vb = ref_value(x, a.width, a.integer), ref_value(y, b.width, b.integer)
        assert ref_value(z, st_.width, st_.integer) == va + vb
        lo, hi = ref_range(st_.width, st_.signed)
        assert lo <= z <= hi


# ---------------------------------------------------------------------------------------------
# 4. multiply, add, product_type, sum_type on small types
# ---------------------------------------------------------------------------------------------

SMALL_TYPES = [(w, i, s) for w in (1, 2, 3, 4) for i in (-2, w, w + 3) for s in (True, False)]


def _all_mantissas(spec):
    lo, hi = ref_range(spec[0], spec[2])
    return list(range(lo, hi + 1))


def test_multiply_add_exhaustive_small():
    for sa, sb in itertools.product(SMALL_TYPES, repeat=2):
        a, b = T(*sa), T(*sb)
        ma, mb = _all_mantissas(sa), _all_mantissas(sb)
        pa = [x for x in ma for _ in mb]
        pb = [y for _ in ma for y in mb]
        fa, fb = sa[0] - sa[1], sb[0] - sb[1]
        want_p = [x * y for x, y in zip(pa, pb, strict=True)]  # scale 2**-(fa + fb)
        f = max(fa, fb)
        want_s = [x * 2 ** (f - fa) + y * 2 ** (f - fb) for x, y in zip(pa, pb, strict=True)]  # scale 2**-f
        for dt in (np.int64, np.float64, object):
            p, pt = multiply(np.array(pa, dtype=dt), a, np.array(pb, dtype=dt), b)
            assert pt.width - pt.integer == fa + fb
            got = as_ints(p)
            assert got == want_p, (a, b, dt)
            plo, phi = ref_range(pt.width, pt.signed)
            assert plo <= min(got) and max(got) <= phi
            s, stype = add(np.array(pa, dtype=dt), a, np.array(pb, dtype=dt), b)
            assert stype.width - stype.integer == f
            got = as_ints(s)
            assert got == want_s, (a, b, dt)
            slo, shi = ref_range(stype.width, stype.signed)
            assert slo <= min(got) and max(got) <= shi


def _corner_check(a: FixedType, b: FixedType):
    alo, ahi = ref_range(a.width, a.signed)
    blo, bhi = ref_range(b.width, b.signed)
    va = [ref_value(m, a.width, a.integer) for m in (alo, ahi)]
    vb = [ref_value(m, b.width, b.integer) for m in (blo, bhi)]
    pt = product_type(a, b)
    assert pt.frac == a.frac + b.frac
    assert pt.signed == (a.signed or b.signed)
    plo, phi = ref_range(pt.width, pt.signed)
    for x, y in itertools.product(va, vb):  # a product's extremes are at the corners
        z = x * y * Fraction(2) ** pt.frac
        assert z.denominator == 1 and plo <= z <= phi, (a, b, x, y)
    st_ = sum_type(a, b)
    slo, shi = ref_range(st_.width, st_.signed)
    scale = Fraction(2) ** st_.frac
    lo_sum, hi_sum = (va[0] + vb[0]) * scale, (va[1] + vb[1]) * scale
    assert lo_sum.denominator == 1 and hi_sum.denominator == 1
    assert slo <= lo_sum and hi_sum <= shi, (a, b, st_)
    assert st_.frac == max(a.frac, b.frac)
    # and the sum type is the narrowest one with that scale
    assert st_.signed == (lo_sum < 0)
    if st_.width > 1:
        nlo, nhi = ref_range(st_.width - 1, st_.signed)
        assert not (nlo <= lo_sum and hi_sum <= nhi), (a, b, st_)


def test_product_and_sum_types_hold_extremes():
    specs = [(w, i, s) for w in (1, 2, 7, 33, 64, 100) for i in (-5, 0, w, w + 9) for s in (True, False)]
    for sa, sb in itertools.product(specs, repeat=2):
        _corner_check(T(*sa), T(*sb))


def test_multiply_add_extremes_int64_edge():
    """Operands whose product/sum land right at 2**62: no silent int64 wrap."""
    for wa, wb in ((31, 31), (31, 32), (32, 32), (1, 62), (2, 61), (40, 40), (62, 62)):
        for sa, sb in itertools.product((True, False), repeat=2):
            a, b = T(wa, 3, sa), T(wb, wb, sb)
            ea, eb = ref_range(wa, sa), ref_range(wb, sb)
            pa = [x for x in ea for _ in eb]
            pb = [y for _ in ea for y in eb]
            p, pt = multiply(np.array(pa, dtype=np.int64), a, np.array(pb, dtype=np.int64), b)
            assert as_ints(p) == [x * y for x, y in zip(pa, pb, strict=True)], (a, b)
            s, stype = add(np.array(pa, dtype=np.int64), a, np.array(pb, dtype=np.int64), b)
            shift_a, shift_b = stype.frac - a.frac, stype.frac - b.frac
            assert as_ints(s) == [x * 2 ** shift_a + y * 2 ** shift_b for x, y in zip(pa, pb, strict=True)], (a, b)


# ---------------------------------------------------------------------------------------------
# 5. spelling
# ---------------------------------------------------------------------------------------------

def _spelling_types():
    for w, i, s in itertools.product((1, 2, 8, 16, 53, 64, 200), (-7, 0, 1, 5, 16, 70), (True, False)):
        for rnd, ovf in itertools.product(ROUNDINGS, OVERFLOWS):
            yield T(w, i, s, rnd, ovf)


def test_spelling_round_trip():
    n = 0
    for t in _spelling_types():
        ap, ac = ap_spelling(t), ac_spelling(t)
        assert parse_type(ap) == t, ap
        assert parse_type(ac) == t, ac
        assert str(t) == ap
        assert parse_type(t) is t
        assert FixedType.from_dict(t.to_dict()) == t
        n += 1
    assert n == 7 * 6 * 2 * 28


@pytest.mark.parametrize(("text", "want"), [
    ("ap_fixed<16,6>", T(16, 6)),
    ("ap_ufixed<8,0,AP_RND,AP_SAT>", T(8, 0, False, "RND", "SAT")),
    ("ap_fixed<6,1,AP_RND_CONV,AP_SAT_SYM>", T(6, 1, True, "RND_CONV", "SAT_SYM")),
    ("ap_fixed<6,-3,AP_TRN_ZERO>", T(6, -3, True, "TRN_ZERO", "WRAP")),
    ("ap_fixed<8,3,AP_RND,AP_SAT,0>", T(8, 3, True, "RND", "SAT")),
    ("ap_fixed<8,3,AP_RND,AP_SAT,2>", T(8, 3, True, "RND", "SAT")),  # N only matters for AP_WRAP
    ("ap_fixed<8,3,AP_RND,AP_WRAP,0>", T(8, 3, True, "RND", "WRAP")),
    ("  ap_fixed < 16 , 6 , AP_RND_INF , AP_SAT_ZERO >  ", T(16, 6, True, "RND_INF", "SAT_ZERO")),
    ("ap_int<8>", T(8, 8)),
    ("ap_uint<12>", T(12, 12, False)),
    ("ac_fixed<8,3,true>", T(8, 3)),
    ("ac_fixed<8,3,false,AC_RND_MIN_INF,AC_SAT>", T(8, 3, False, "RND_MIN_INF", "SAT")),
    ("ac_fixed<10,12,true,AC_TRN,AC_WRAP>", T(10, 12)),
])
def test_parse_known(text, want):
    assert parse_type(text) == want


@pytest.mark.parametrize(("t", "ap", "ac"), [
    (T(16, 6), "ap_fixed<16,6>", "ac_fixed<16,6,true>"),
    (T(8, 0, False), "ap_ufixed<8,0>", "ac_fixed<8,0,false>"),
    (T(6, 1, True, "RND_CONV", "SAT"), "ap_fixed<6,1,AP_RND_CONV,AP_SAT>", "ac_fixed<6,1,true,AC_RND_CONV,AC_SAT>"),
    (T(6, 1, True, "RND"), "ap_fixed<6,1,AP_RND>", "ac_fixed<6,1,true,AC_RND,AC_WRAP>"),
    (T(6, -2, False, "TRN", "SAT_SYM"), "ap_ufixed<6,-2,AP_TRN,AP_SAT_SYM>",
     "ac_fixed<6,-2,false,AC_TRN,AC_SAT_SYM>"),
])
def test_spelling_known(t, ap, ac):
    assert ap_spelling(t) == ap
    assert ac_spelling(t) == ac


@pytest.mark.parametrize(("text", "match"), [
    ("ap_fixed<8>", "cannot read a fixed-point type"),
    ("ap_fixed<8,3", "cannot read a fixed-point type"),
    ("ac_fixed<8,3>", "cannot read a fixed-point type"),
    ("ac_fixed<8,3,maybe>", "cannot read a fixed-point type"),
    ("int8", "cannot read a fixed-point type"),
    ("", "cannot read a fixed-point type"),
    ("ap_fixed<8.5,3>", "cannot read a fixed-point type"),
    ("ap_int<-3>", "cannot read a fixed-point type"),
    ("ap_fixed<8,3,AP_BOGUS>", "unknown rounding mode"),
    ("ap_fixed<8,3,AP_SAT>", "unknown rounding mode"),
    ("ap_fixed<8,3,AP_RND,AP_BOGUS>", "unknown overflow mode"),
    ("ac_fixed<8,3,true,AC_RND,AC_WRAP_SM>", "unknown overflow mode"),
    ("ap_fixed<0,3>", "width must be a positive integer"),
    ("ap_fixed<-4,2>", "width must be a positive integer"),
    ("ap_int<0>", "width must be a positive integer"),
    ("ap_fixed<8,3,AP_TRN,AP_WRAP,2>", "saturation bits"),  # would silently mean something else
])
def test_parse_errors(text, match):
    with pytest.raises(ValueError, match=match):
        parse_type(text)


def test_fixed_type_validation():
    with pytest.raises(ValueError, match="width"):
        FixedType(0, 0)
    with pytest.raises(ValueError, match="integer"):
        FixedType(8, 2.5)
    with pytest.raises(ValueError, match="unknown rounding"):
        FixedType(8, 2, True, "ROUND")
    with pytest.raises(ValueError, match="unknown overflow"):
        FixedType(8, 2, True, "TRN", "CLAMP")
    t = FixedType(8, 2, True, "ap_rnd_conv", "AC_SAT")
    assert (t.rounding, t.overflow) == (Rounding.RND_CONV, Overflow.SAT)
    assert (t.min_mantissa, t.max_mantissa) == ref_range(8, True)
    assert (t.min_value, t.max_value) == (Fraction(-128, 64), Fraction(127, 64))


# ---------------------------------------------------------------------------------------------
# 6. fitting_type / bits_for_range
# ---------------------------------------------------------------------------------------------

def ref_bits(lo: int, hi: int) -> tuple[int, bool]:
    signed = lo < 0
    w = 1
    while True:
        rlo, rhi = ref_range(w, signed)
        if rlo <= lo and hi <= rhi:
            return w, signed
        w += 1


def _check_fit(lo: int, hi: int, frac: int):
    w, signed = ref_bits(lo, hi)
    assert bits_for_range(lo, hi) == w, (lo, hi)
    t = fitting_type(lo, hi, frac, Rounding.RND, Overflow.SAT)
    assert (t.width, t.signed, t.frac) == (w, signed, frac), (lo, hi)
    assert (t.rounding, t.overflow) == (Rounding.RND, Overflow.SAT)
    rlo, rhi = ref_range(t.width, t.signed)
    assert rlo <= lo and hi <= rhi  # sufficient
    assert t.contains(lo, hi)
    if t.width > 1:  # minimal: one bit fewer fails
        nlo, nhi = ref_range(t.width - 1, t.signed)
        assert not (nlo <= lo and hi <= nhi), (lo, hi)
        assert not T(t.width - 1, 0, t.signed).contains(lo, hi)


def test_fitting_type_small_exhaustive():
    for lo in range(-70, 71):
        for hi in range(lo, 71):
            _check_fit(lo, hi, frac=(lo + hi) % 7 - 3)


def test_fitting_type_powers_of_two():
    for k in range(0, 140):
        p = 2 ** k
        for lo, hi in ((0, p - 1), (0, p), (0, p + 1), (-p, 0), (-p - 1, 0), (-p, p - 1), (-p, p),
                       (-p + 1, p - 1), (-1, p), (-p, -1), (p, p), (-p, -p), (p - 1, p), (-3 * p, -p)):
            if lo <= hi:
                _check_fit(lo, hi, frac=k % 5)


def test_fitting_type_empty_range():
    with pytest.raises(ValueError, match="empty range"):
        fitting_type(3, 2, 0)


# ---------------------------------------------------------------------------------------------
# 7. property tests with random types
# ---------------------------------------------------------------------------------------------

@st.composite
def fixed_types(draw, max_width=90):
    w = draw(st.integers(1, max_width))
    i = draw(st.integers(-40, w + 40))
    return T(w, i, draw(st.booleans()), draw(st.sampled_from(ROUNDINGS)), draw(st.sampled_from(OVERFLOWS)))


@st.composite
def cast_cases(draw):
    src = draw(fixed_types())
    dst = draw(fixed_types())
    lo, hi = ref_range(src.width, src.signed)
    edge = st.sampled_from([lo, hi, 0, min(hi, 1), max(lo, -1), lo + (hi - lo) // 2])
    ms = draw(st.lists(st.one_of(st.integers(lo, hi), edge), min_size=1, max_size=12))
    return src, dst, ms


PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(cast_cases())
def test_cast_property(case):
    src, dst, ms = case
    want = [ref_cast_t(m, src, dst) for m in ms]
    for m, dtype in carriers_for(ms, src.width):
        for out in (None, dtype):
            if not out_dtypes(dst, out):
                continue
            got = cast(m, src, dst, dtype=out)
            assert as_ints(got) == want, (src, dst, m.dtype, out)


@PROPERTY
@given(fixed_types(max_width=120),
       st.lists(st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True), min_size=1, max_size=10))
def test_quantize_property(t, xs):
    too_big = [abs(Fraction(x)) * Fraction(2) ** t.frac >= 2 ** 1024 for x in xs]  # float64 max is just below
    if any(too_big):
        with np.errstate(over="ignore", invalid="ignore"), pytest.raises(OverflowError):
            quantize(np.array(xs), t)
        return
    want = [ref_quantize_t(x, t) for x in xs]
    assert as_ints(quantize(np.array(xs), t)) == want, t
    for dt in (np.float64, np.float32):
        if out_dtypes(t, dt):
            assert as_ints(quantize(np.array(xs), t, dtype=dt)) == want, (t, dt)


@PROPERTY
@given(fixed_types(max_width=40), st.data())
def test_quantize_on_grid_property(t, data):
    """Values that are exact multiples of lsb/8 around the range: every tie and near-tie."""
    lo, hi = ref_range(t.width, t.signed)
    ks = data.draw(st.lists(st.integers(8 * (2 * lo - 3), 8 * (2 * hi + 3)), min_size=1, max_size=16))
    xs = [float(Fraction(k, 8) * Fraction(2) ** -t.frac) for k in ks]
    want = ref_overflow_list([ref_round(k, 8, t.rounding.value) for k in ks], t.width, t.signed, t.overflow.value)
    assert as_ints(quantize(np.array(xs), t)) == want, t
    if out_dtypes(t, np.float64):
        assert as_ints(quantize(np.array(xs), t, dtype=np.float64)) == want, t


@settings(PROPERTY, max_examples=40)
@given(fixed_types(max_width=80), fixed_types(max_width=80), st.data())
def test_multiply_add_property(a, b, data):
    alo, ahi = ref_range(a.width, a.signed)
    blo, bhi = ref_range(b.width, b.signed)
    n = data.draw(st.integers(1, 8))
    ma = data.draw(st.lists(st.one_of(st.integers(alo, ahi), st.sampled_from([alo, ahi])), min_size=n, max_size=n))
    mb = data.draw(st.lists(st.one_of(st.integers(blo, bhi), st.sampled_from([blo, bhi])), min_size=n, max_size=n))
    dts = [object] + ([np.int64] if max(a.width, b.width) <= INT64_EXACT else [])
    for dt in dts:
        p, pt = multiply(np.array(ma, dtype=dt), a, np.array(mb, dtype=dt), b)
        plo, phi = ref_range(pt.width, pt.signed)
        for x, y, z in zip(ma, mb, as_ints(p), strict=True):
            va, vb = ref_value(x, a.width, a.integer), ref_value(y, b.width, b.integer)
            assert ref_value(z, pt.width, pt.integer) == va * vb
            assert plo <= z <= phi
        s, stype = add(np.array(ma, dtype=dt), a, np.array(mb, dtype=dt), b)
        slo, shi = ref_range(stype.width, stype.signed)
        for x, y, z in zip(ma, mb, as_ints(s), strict=True):
            assert ref_value(z, stype.width, stype.integer) == ref_value(x, a.width, a.integer) + ref_value(
                y, b.width, b.integer)
            assert slo <= z <= shi
    _corner_check(a, b)


@PROPERTY
@given(st.integers(-(2 ** 130), 2 ** 130), st.integers(0, 2 ** 130), st.integers(-50, 50))
def test_fitting_type_property(lo, delta, frac):
    hi = lo + delta
    w = bits_for_range(lo, hi)
    signed = lo < 0
    rlo, rhi = ref_range(w, signed)
    assert rlo <= lo and hi <= rhi
    if w > 1:
        nlo, nhi = ref_range(w - 1, signed)
        assert not (nlo <= lo and hi <= nhi)
    t = fitting_type(lo, hi, frac)
    assert (t.width, t.signed, t.frac) == (w, signed, frac)


# ---------------------------------------------------------------------------------------------
# regressions: inputs that once came out wrong
# ---------------------------------------------------------------------------------------------

def test_regression_float_result_from_wide_integer_mantissas():
    """Mantissas beyond 2**53 used to be rounded into float64 before being wrapped."""
    src = T(60, 60)
    ms = [2 ** 53 + 1, -(2 ** 55) - 3, 2 ** 59 - 1, -(2 ** 59), 2 ** 52 + 2 ** 51 - 1]
    dsts = (T(10, 10), T(10, 8, True, "RND"), T(20, 18, False, "RND_CONV"), T(52, 52), T(10, 10, True, "TRN", "SAT"))
    for dst in dsts:
        want = [ref_cast_t(m, src, dst) for m in ms]
        for dt in (np.int64, object):
            assert as_ints(cast(np.array(ms, dtype=dt), src, dst, dtype=np.float64)) == want, (dst, dt)
            if dst.width <= FLOAT32_EXACT:
                assert as_ints(cast(np.array(ms, dtype=dt), src, dst, dtype=np.float32)) == want, (dst, dt)


@pytest.mark.parametrize("shift", (100, 126, 127, 149, 150, 200, 1022, 1074, 1075, 1100,
                                   -100, -105, -106, -127, -128, -200, -1000, -1100))
def test_regression_float_carriers_huge_shifts(shift):
    """float32/float64 carriers used to underflow (a negative TRN gave 0) or overflow to inf."""
    src = T(8, 8)
    ms = [-128, -3, -1, 0, 1, 5, 127]
    for rnd, ovf in itertools.product(ROUNDINGS if shift > 0 else ("TRN",), OVERFLOWS):
        dst = T(8, 8 + shift, True, rnd, ovf)  # dst.frac = -shift
        want = [ref_cast_t(m, src, dst) for m in ms]
        for m, dtype in carriers_for(ms, src.width):
            assert as_ints(cast(m, src, dst)) == want, (dst, m.dtype)
            assert as_ints(cast(m, src, dst, dtype=dtype)) == want, (dst, m.dtype, dtype)


def test_regression_float_carriers_at_their_limit():
    """Mantissas at the edge of what a float carrier holds, shifted by every amount near its precision."""
    for dt, bits in ((np.float64, FLOAT64_EXACT), (np.float32, FLOAT32_EXACT)):
        top = 2 ** bits
        ms = [top - 1, -(top - 1), top // 2 + 1, -(top // 2) - 1, top // 2, -(top // 2), top // 4 * 3, -3, 3]
        src = T(bits + 1, bits + 1)  # frac 0
        for shift in list(range(1, bits + 4)) + [bits + 8, 2 * bits]:
            for rnd in ROUNDINGS:
                dst = T(bits, bits + shift, True, rnd, "WRAP")  # frac -shift: drops `shift` bits
                want = [ref_cast_t(m, src, dst) for m in ms]
                m = np.array(ms, dtype=dt)
                assert as_ints(cast(m, src, dst)) == want, (dst, dt)
                assert as_ints(cast(m, src, dst, dtype=dt)) == want, (dst, dt)


def test_regression_quantize_just_inside_minus_half():
    """v - floor(v) rounds to exactly 1/2 for v = -0.49999999999999994: a false tie."""
    near = [0.5 - 2.0 ** -54, 0.5 + 2.0 ** -53, 1.5 - 2.0 ** -52, 1.5 + 2.0 ** -52, 2.0 ** -60, 1 - 2.0 ** -53]
    for frac in (0, 3, -2, 20, 60, -900, 1000):
        xs = [s * v * 2.0 ** -frac for v in near for s in (1, -1)]
        for rnd in ROUNDINGS:
            t = T(8, 8 - frac, True, rnd, "SAT")
            assert as_ints(quantize(np.array(xs), t)) == [ref_quantize_t(x, t) for x in xs], t
            assert as_ints(quantize(np.array(xs), t, dtype=np.float64)) == [ref_quantize_t(x, t) for x in xs], t


def test_to_float_exact():
    rng = random.Random(7)
    for w, i, signed in ((1, 1, True), (8, 3, False), (24, -5, True), (52, 20, True), (53, 60, False)):
        t = T(w, i, signed)
        lo, hi = ref_range(w, signed)
        ms = [lo, hi, 0] + [rng.randint(lo, hi) for _ in range(50)]
        want = [float(ref_value(m, w, i)) for m in ms]  # exact: at most 53 significant bits
        assert all(Fraction(v) == ref_value(m, w, i) for v, m in zip(want, ms, strict=True))
        for m, _ in carriers_for(ms, w):
            assert to_float(m, t).tolist() == want, (t, m.dtype)
