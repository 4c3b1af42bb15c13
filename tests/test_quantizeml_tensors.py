"""hwq.quantizeml.tensors (QuantizeML's QTensor, FixedPoint, QFloat) against the documentation and a reference.

Two kinds of checks:
- hand-worked values that follow the formulas and sentences of QuantizeML's API documentation
  (/work/shared/reference/quantizeml-api.txt, "Tensors"; it gives formulas, no numeric examples);
- randomized inputs compared with the reference below, written from the documented rules with Python ints and
  fractions.Fraction only (it never calls hwq). Every comparison is exact: np.array_equal or ==, no tolerance.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from hwq.fixed import FixedType, cast
from hwq.quantizeml import tensors
from hwq.quantizeml.tensors import (
    FixedPoint,
    QFloat,
    QTensor,
    ceil_log2,
    floor_log2,
    pow2,
    round_log2,
)

TRIALS = 25  # random trials per method; each trial covers tens of elements

# ---------------------------------------------------------------- the independent reference (ints and Fractions)


def ref_sat(v: int, value_bits: int) -> int:
    """Clip to [-2**value_bits, 2**value_bits - 1] (the documented FixedPoint range)."""
    return max(-(1 << value_bits), min((1 << value_bits) - 1, v))


def ref_floor(q: Fraction) -> int:
    return q.numerator // q.denominator


def ref_round_half_up(q: Fraction) -> int:
    return ref_floor(q + Fraction(1, 2))


def ref_round_half_even(q: Fraction) -> int:
    return round(q)  # Fraction.__round__ breaks ties to even


def ref_ceil_log2(r: Fraction) -> int:
    """The smallest k with 2**k >= r > 0."""
    k = 0
    while Fraction(2) ** k < r:
        k += 1
    while Fraction(2) ** (k - 1) >= r:
        k -= 1
    return k


def ref_max_frac_bits(value_bits: int, r: Fraction, clamp: bool) -> int:
    if r == 0:
        return value_bits
    frac = value_bits - ref_ceil_log2(r)
    return min(frac, value_bits) if clamp else frac


def ref_value(v: int, frac: int) -> Fraction:
    return Fraction(v) / Fraction(2) ** frac


def ref_rescale(v: int, old: int, new: int, value_bits: int) -> int:
    scaled = Fraction(v) * Fraction(2) ** (new - old)
    return ref_sat(ref_round_half_up(scaled), value_bits)


def ref_shift(v: int, s: int, value_bits: int) -> int:
    return ref_sat(ref_floor(Fraction(v) * Fraction(2) ** s), value_bits)


def ref_quantize(x: float, value_bits: int, frac: int) -> int:
    return ref_sat(ref_round_half_even(Fraction(x) * Fraction(2) ** frac), value_bits)


# ---------------------------------------------------------------- random inputs


def random_bits(rng: random.Random) -> int:
    return rng.choice([0, 1, 2, 3, 4, 7, 8, 15, 16, 23, 24, 31, 32, 40, 51, 52, rng.randint(0, 52)])


def random_values(rng: random.Random, value_bits: int, n: int) -> list[int]:
    lo, hi = -(1 << value_bits), (1 << value_bits) - 1
    picks = [lo, hi, 0, -1, 1] + [rng.randint(lo, hi) for _ in range(n)]
    small = [rng.randint(max(lo, -40), min(hi, 40)) for _ in range(n)]
    return [ref_sat(v, value_bits) for v in picks + small]


def random_case(rng: random.Random, per_axis: bool):
    """(values as a (rows, channels) int list, value_bits, per-channel frac list or a scalar)."""
    value_bits = random_bits(rng)
    channels = rng.randint(2, 4) if per_axis else 1
    flat = random_values(rng, value_bits, 24)
    rows = len(flat) // channels
    values = [flat[r * channels:(r + 1) * channels] for r in range(rows)]
    frac = [rng.randint(-12, 40) for _ in range(channels)] if per_axis else rng.randint(-12, 40)
    return values, value_bits, frac


def channel_frac(frac, c: int) -> int:
    return frac[c] if isinstance(frac, list) else frac


def grid(rows: list[list[int]]) -> np.ndarray:
    """Reference results, row by row, as an int64 array."""
    return np.array(rows, dtype=np.int64)


def random_floats(rng: random.Random, n: int) -> list[float]:
    """Floats of every scale, with exact ties (k + 1/2) * 2**-e to exercise the tie rule."""
    out = [rng.uniform(-1, 1) * 2.0 ** rng.randint(-30, 30) for _ in range(n)]
    out += [(rng.randint(-500, 500) + 0.5) * 2.0 ** -rng.randint(0, 12) for _ in range(n)]
    return out + [0.0, -0.0]


def as_int(t) -> np.ndarray:
    return np.asarray(t).astype(np.int64)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20240601)


# ---------------------------------------------------------------- hand-worked values from the documentation


def test_doc_construction_clips_to_int_max():
    # "int_max = 2^bits - 1 ... When a FixedPoint is created, its values are clipped to [-int_max-1, int_max]"
    assert QTensor.int_max(8) == 255
    fp = FixedPoint([300, -300, 255, -256, 7], 8, 0)
    assert np.array_equal(fp.values, [255, -256, 255, -256, 7])
    assert fp.value_bits == 8 and int(fp.frac_bits) == 0


def test_doc_quantize_with_frac_bits():
    # "x_int = round(x * 2^frac_bits)", then clipped to [-2^value_bits, 2^value_bits - 1]
    fp = FixedPoint.quantize([0.7, -0.7, 100.0, -100.0], 4, 2)
    assert np.array_equal(fp.values, [3, -3, 15, -16])  # 2.8 -> 3; 400 clips to 15, -400 to -16
    assert np.array_equal(fp.to_float(), [0.75, -0.75, 3.75, -4.0])


def test_doc_quantize_infers_frac_bits():
    # "int_bits = ceil(log2(x))", "frac_bits = value_bits - int_bits"
    fp = FixedPoint.quantize([3.3, -1.0], 4)  # ceil(log2 3.3) = 2 -> frac_bits 2
    assert int(fp.frac_bits) == 2 and np.array_equal(fp.values, [13, -4])  # 13.2 -> 13
    # "this number can be negative when x < 0.5": ceil(log2 0.3) = -1 -> 8, clamped to value_bits 7
    fp = FixedPoint.quantize(0.3, 7)
    assert int(fp.frac_bits) == 7 and int(fp.values) == 38  # 0.3 * 128 = 38.4
    # whole numbers need no fractional bits
    fp = FixedPoint.quantize([5.0, -3.0], 8)
    assert int(fp.frac_bits) == 0 and np.array_equal(fp.values, [5, -3])


def test_doc_max_frac_bits():
    # negative when the ranges exceed what value_bits hold: 4 - ceil(log2 100) = 4 - 7
    assert int(FixedPoint.max_frac_bits(4, 100.0)) == -3
    # ranges below 0.5 give negative integer bits: 4 - ceil(log2 0.2) = 4 + 2, clamped to 4 unless asked not to
    assert int(FixedPoint.max_frac_bits(4, 0.2, clamp=False)) == 6
    assert int(FixedPoint.max_frac_bits(4, 0.2)) == 4
    assert np.array_equal(FixedPoint.max_frac_bits(7, [1.0, 1.5, 2.0, 0.0]), [7, 6, 6, 7])


def test_doc_rescale_left_and_rounded_right_shift():
    fp = FixedPoint([13, -13, 12, -12], 7, 2)
    down, shift = fp.rescale(1)  # "a rounded right shift of the values when their precision decreases"
    assert np.array_equal(down.values, [7, -6, 6, -6]) and int(shift) == -1  # 6.5 -> 7, -6.5 -> -6: half up
    up, shift = fp.rescale(4)  # "a left shift of the values when their precision increases"
    assert np.array_equal(up.values, [52, -52, 48, -48]) and int(shift) == 2
    narrow, _ = fp.rescale(4, value_bits=5)  # "compress ... to a lower bitwidth": clipped to [-32, 31]
    assert np.array_equal(narrow.values, [31, -32, 31, -32]) and narrow.value_bits == 5
    with pytest.raises(ValueError, match="saturate"):
        fp.rescale(9)  # a left shift of 7 always saturates a 7-bit buffer


def test_doc_upscale_and_downscale_directions():
    fp = FixedPoint([6, -3], 7, 2)
    up, shift = fp.upscale(3)
    assert np.array_equal(up.values, [12, -6]) and int(shift) == 1
    down, shift = fp.downscale(1)
    assert np.array_equal(down.values, [3, -1]) and int(shift) == -1  # -1.5 -> -1: half up
    with pytest.raises(ValueError, match="lower than the current"):
        fp.upscale(1)  # "The target precision must be higher than the current one."
    with pytest.raises(ValueError, match="higher than the current"):
        fp.downscale(3)


def test_doc_align():
    a, b = FixedPoint([3, -1], 7, 1), FixedPoint([5, 2], 7, 3)
    aligned, shift = a.align(b)  # the maximum of both fractional bits
    assert np.array_equal(aligned.values, [12, -4]) and int(aligned.frac_bits) == 3 and int(shift) == 2
    total = aligned + b  # what align is for
    assert np.array_equal(total.to_float(), [1.5 + 0.625, -0.5 + 0.25])
    with pytest.raises(ValueError, match="Other must be a FixedPoint"):
        a.align(3)


def test_doc_expand_recovers_per_tensor():
    fp = FixedPoint([[3, 5], [-2, 1]], 4, [1, 3])  # per-axis, compressed to 4 bits
    wide, shift = fp.expand(8)  # "a scalar fractional bit corresponding to the maximum ... on all channels"
    assert wide.per_tensor and int(wide.frac_bits) == 3 and wide.value_bits == 8
    assert np.array_equal(wide.values, [[12, 5], [-8, 1]]) and np.array_equal(shift, [2, 0])
    with pytest.raises(ValueError, match="Cannot reduce"):
        fp.expand(3)


def test_doc_floor():
    fixed, shift = FixedPoint([7, -7, 8], 7, 2).floor()  # "a new FixedPoint without fractional bits and the shift"
    assert np.array_equal(fixed.values, [1, -2, 2]) and int(fixed.frac_bits) == 0 and int(shift) == 2


def test_doc_shift_clips_left_floors_right():
    fp = FixedPoint([5, -5, 3], 4, 1)
    right = fp.shift(-1)  # "flooring is applied on right-shift"
    assert np.array_equal(right.values, [2, -3, 1]) and int(right.frac_bits) == 1 and right.value_bits == 4
    left = fp.shift(2)  # "clipping is applied on left-shift"
    assert np.array_equal(left.values, [15, -16, 12])
    mixed = fp.shift([1, -1, 0])  # "the shift values for each pixel"
    assert np.array_equal(mixed.values, [10, -3, 3])


def test_doc_sign_abs_promote():
    fp = FixedPoint([-3, 0, 4, -16], 4, 2)
    assert np.array_equal(fp.sign.values, [-1, 0, 1, -1]) and int(fp.sign.frac_bits) == 0
    assert np.array_equal(fp.abs().values, [3, 0, 4, 15])  # |-16| saturates to int_max
    assert np.array_equal(abs(fp).values, [3, 0, 4, 15])
    wide = fp.promote(8)
    assert wide.value_bits == 8 and np.array_equal(wide.values, fp.values)
    with pytest.raises(ValueError, match="Cannot reduce"):
        fp.promote(3)
    with pytest.raises(TypeError, match="integer"):
        fp.promote(8.0)


def test_doc_qtensor_attributes():
    fp = FixedPoint([[1, 2]], 4, [0, 1], name="acts")
    assert fp.name == "acts" and not fp.per_tensor and fp.shape == (1, 2)
    with pytest.raises(ValueError, match="not per-tensor"):
        fp.assert_per_tensor()
    assert FixedPoint([1], 4, [2]).per_tensor  # shape (1,) counts as per-tensor
    copy = fp.clone()
    assert copy is not fp and np.array_equal(copy.values, fp.values)
    assert FixedPoint([1], 4, 0).name == "no-name"
    assert str(FixedPoint([3], 4, 1)) == "FixedPoint: [1.5]"


def test_doc_qfloat_optimal_scales_and_quantize():
    # "[-int_max, int_max], with int_max = 2^bits - 1": the scales are ranges / int_max
    assert np.array_equal(QFloat.optimal_scales([510.0, 255.0], 8), [2.0, 1.0])
    q = QFloat.quantize([3.0, -1.0, 5.0], 7, 2.0)  # x / scales, then FixedPoint.quantize with frac_bits 0
    assert np.array_equal(q.values, [2, 0, 2]) and int(q.frac_bits) == 0  # 1.5, -0.5, 2.5: ties to even
    assert np.array_equal(q.to_float(), [4.0, 0.0, 4.0])
    assert q.per_tensor and q.value_bits == 7
    assert int(QFloat.max_frac_bits(4, 12.0, 3.0)) == 2  # FixedPoint's on 12 / 3 = 4


def test_doc_qfloat_quantize_scales_and_to_fixed_point():
    scales = QFloat.quantize_scales(0.75, 8)  # 8 - ceil(log2 0.75) = 8 fractional bits, not clamped
    assert int(scales.values) == 192 and int(scales.frac_bits) == 8
    q = QFloat(FixedPoint([3, -2], 16, 0), 0.75)
    fp, s = q.to_fixed_point(8)
    assert np.array_equal(fp.values, [576, -384]) and int(fp.frac_bits) == 8 and fp.value_bits == 16
    assert np.array_equal(fp.to_float(), q.to_float()) and int(s.values) == 192
    assert int(QFloat.quantize_scales(3.0, 4).frac_bits) == 2  # 4 - 2
    assert int(QFloat.quantize_scales(40.0, 4).frac_bits) == -2  # negative: 40 > 2**4


def test_doc_qfloat_upscale_promote_arithmetic():
    q = QFloat(FixedPoint([3, -1], 4, 1), 0.5)
    up, shift = q.upscale(3, 8)
    assert np.array_equal(up.values, [12, -4]) and up.value_bits == 8 and int(shift) == 2
    assert np.array_equal(up.scales, q.scales)
    assert q.promote(9).value_bits == 9
    assert np.array_equal((q + q).values, [6, -2]) and np.array_equal((q - q).values, [0, 0])
    prod = q * QFloat(FixedPoint([2, 2], 4, 0), 3.0)
    assert np.array_equal(prod.values, [6, -2]) and float(prod.scales) == 1.5 and int(prod.frac_bits) == 1
    assert np.array_equal((FixedPoint(2, 4, 0) * q).values, [6, -2])
    assert float((q / 2.0).scales) == 0.25
    with pytest.raises(ValueError, match="different scales"):
        q + QFloat(FixedPoint([1, 1], 4, 1), 0.25)


def test_doc_hand_worked_operators():
    a, b = FixedPoint([6, -6, 7], 7, 1), FixedPoint([4, 4, -2], 7, 1)
    assert np.array_equal((a + b).values, [10, -2, 5]) and np.array_equal((a - b).values, [2, -10, 9])
    assert np.array_equal((a + 1).values, [8, -4, 9])  # an int is quantized on a's fractional bits
    assert np.array_equal((a * b).values, [24, -24, -14]) and int((a * b).frac_bits) == 2
    quotient = a / b  # truncated toward zero, frac_bits subtracted
    assert np.array_equal(quotient.values, [1, -1, -3]) and int(quotient.frac_bits) == 0
    assert np.array_equal((a ** 2).values, [36, 36, 49]) and int((a ** 0).frac_bits) == 0
    assert np.array_equal((a >> 2).values, a.values) and int((a >> 2).frac_bits) == 3
    assert np.array_equal((a << 5).values, [127, -128, 127])
    assert np.array_equal(a > FixedPoint([5, -5, 14], 7, 0), [False, True, False])
    assert np.array_equal(a == FixedPoint([12, -12, 14], 7, 2), [True, True, True])
    with pytest.raises(ValueError, match="not aligned"):
        a + FixedPoint([1, 1, 1], 7, 2)


# ---------------------------------------------------------------- randomized, against the reference


@pytest.mark.parametrize("per_axis", [False, True])
def test_random_construction_and_to_float(rng, per_axis):
    for _ in range(TRIALS):
        values, value_bits, frac = random_case(rng, per_axis)
        wide = [[v * rng.choice([1, 3, -5]) for v in row] for row in values]  # some leave the range
        fp = FixedPoint(wide, value_bits, frac)
        assert np.array_equal(fp.values, grid([[ref_sat(v, value_bits) for c, v in enumerate(row)] for row in wide]))
        floats = np.asarray(fp.to_float())
        exact = [[ref_value(v, channel_frac(frac, c)) for c, v in enumerate(row)] for row in np.asarray(fp.values)]
        assert all(Fraction(float(f)) == e for fr, er in zip(floats, exact, strict=True)
                   for f, e in zip(fr, er, strict=True))


@pytest.mark.parametrize("per_axis", [False, True])
def test_random_quantize_given_frac_bits(rng, per_axis):
    for _ in range(TRIALS):
        value_bits = random_bits(rng)
        channels = 3 if per_axis else 1
        xs = random_floats(rng, 12 * channels)[: 24 * channels]
        x = np.array(xs[: len(xs) // channels * channels]).reshape(-1, channels)
        frac = [rng.randint(-10, 40) for _ in range(channels)] if per_axis else rng.randint(-10, 40)
        fp = FixedPoint.quantize(x, value_bits, frac)
        want = grid([[ref_quantize(v, value_bits, channel_frac(frac, c)) for c, v in enumerate(row)]
                     for row in x.tolist()])
        assert np.array_equal(fp.values, want)


def test_random_quantize_float32_inputs(rng):
    for _ in range(TRIALS):
        x = np.array(random_floats(rng, 10), dtype=np.float32)
        value_bits, frac = random_bits(rng), rng.randint(-5, 30)
        want = [ref_quantize(float(v), value_bits, frac) for v in x]
        assert np.array_equal(FixedPoint.quantize(x, value_bits, frac).values, want)


def test_random_quantize_infers_frac_bits(rng):
    for _ in range(TRIALS):
        value_bits = random_bits(rng)
        xs = random_floats(rng, 8)
        top = max(abs(Fraction(v)) for v in xs)
        frac = ref_max_frac_bits(value_bits, top, clamp=True)
        fp = FixedPoint.quantize(np.array(xs), value_bits)
        assert int(fp.frac_bits) == frac
        assert np.array_equal(fp.values, [ref_quantize(v, value_bits, frac) for v in xs])


def test_random_max_frac_bits(rng):
    for _ in range(TRIALS):
        value_bits = random_bits(rng)
        ranges = [abs(v) for v in random_floats(rng, 6)] + [2.0 ** rng.randint(-20, 20), 1.0 + 2.0 ** -52]
        for clamp in (True, False):
            ranges_used = ranges if clamp else [r for r in ranges if r > 0]
            want = [ref_max_frac_bits(value_bits, Fraction(r), clamp) for r in ranges_used]
            assert np.array_equal(FixedPoint.max_frac_bits(value_bits, ranges_used, clamp), want)


@pytest.mark.parametrize("per_axis", [False, True])
def test_random_rescale(rng, per_axis):
    for _ in range(TRIALS):
        values, value_bits, frac = random_case(rng, per_axis)
        fp = FixedPoint(values, value_bits, frac)
        new_bits = rng.randint(max(1, value_bits - 3), 52)
        old = np.array(frac)
        target = (old + np.array([rng.randint(-60, new_bits - 1) for _ in np.atleast_1d(old)])).reshape(old.shape)
        target = np.minimum(target, old + new_bits - 1)  # a left shift must stay below the value bits
        out, shift = fp.rescale(target, new_bits)
        goal = np.broadcast_to(target, (len(values[0]),)).tolist()
        want = grid([[ref_rescale(v, channel_frac(frac, c), goal[c], new_bits) for c, v in enumerate(row)]
                     for row in values])
        assert np.array_equal(out.values, want) and np.array_equal(shift, target - old)


def test_random_upscale_downscale_align_expand(rng):
    for _ in range(TRIALS):
        values, value_bits, frac = random_case(rng, per_axis=True)
        fp = FixedPoint(values, value_bits, frac)
        top = max(frac)
        wide = min(52, value_bits + (top - min(frac)) + 1)
        up, _ = fp.expand(wide)
        assert int(up.frac_bits) == top
        want = grid([[ref_rescale(v, frac[c], top, wide) for c, v in enumerate(row)] for row in values])
        assert np.array_equal(up.values, want)
        low = [f - rng.randint(0, 60) for f in frac]
        down, _ = fp.downscale(low)
        want = grid([[ref_rescale(v, frac[c], low[c], value_bits) for c, v in enumerate(row)] for row in values])
        assert np.array_equal(down.values, want)
        other = FixedPoint([[0] * len(frac)], value_bits, [f + rng.randint(-3, 3) for f in frac])
        aligned, _ = fp.align(other, wide)
        goal = [max(f, g) for f, g in zip(frac, np.asarray(other.frac_bits).tolist(), strict=True)]
        assert np.array_equal(aligned.frac_bits, goal)
        want = grid([[ref_rescale(v, frac[c], goal[c], wide) for c, v in enumerate(row)] for row in values])
        assert np.array_equal(aligned.values, want)


@pytest.mark.parametrize("per_axis", [False, True])
def test_random_floor(rng, per_axis):
    for _ in range(TRIALS):
        values, value_bits, frac = random_case(rng, per_axis)
        out, shift = FixedPoint(values, value_bits, frac).floor()
        want = grid([[ref_shift(v, -channel_frac(frac, c), value_bits) for c, v in enumerate(row)] for row in values])
        assert np.array_equal(out.values, want) and np.array_equal(shift, frac) and int(out.frac_bits) == 0


def test_random_shift_and_lshift(rng):
    for _ in range(TRIALS):
        values, value_bits, frac = random_case(rng, per_axis=False)
        fp = FixedPoint(values, value_bits, frac)
        shifts = [[rng.randint(-70, 70) for _ in row] for row in values]
        want = [[ref_shift(v, s, value_bits) for v, s in zip(r, sr, strict=True)]
                for r, sr in zip(values, shifts, strict=True)]
        assert np.array_equal(fp.shift(shifts).values, want)
        left = rng.randint(0, 60)
        want = grid([[ref_shift(v, left, value_bits) for v in row] for row in values])
        assert np.array_equal((fp << left).values, want)
        moved = fp >> left
        assert np.array_equal(moved.values, fp.values) and int(moved.frac_bits) == frac + left


def test_random_sign_abs(rng):
    for _ in range(TRIALS):
        values, value_bits, frac = random_case(rng, per_axis=False)
        fp = FixedPoint(values, value_bits, frac)
        assert np.array_equal(fp.abs().values, grid([[ref_sat(abs(v), value_bits) for v in row] for row in values]))
        sign = grid([[ref_sat((v > 0) - (v < 0), value_bits) for c, v in enumerate(row)] for row in values])
        assert np.array_equal(fp.sign.values, sign)


def test_random_add_sub(rng):
    for _ in range(TRIALS):
        values, value_bits, frac = random_case(rng, per_axis=True)
        a = FixedPoint(values, value_bits, frac)
        other_bits = random_bits(rng)
        others = [[rng.randint(-(1 << other_bits), (1 << other_bits) - 1) for _ in row] for row in values]
        b = FixedPoint(others, other_bits, frac)
        add = [[ref_sat(x + y, value_bits) for x, y in zip(r, o, strict=True)] for r, o in zip(values, others,
                                                                                             strict=True)]
        sub = [[ref_sat(x - y, value_bits) for x, y in zip(r, o, strict=True)] for r, o in zip(values, others,
                                                                                             strict=True)]
        assert np.array_equal((a + b).values, add) and np.array_equal((a - b).values, sub)
        k = rng.randint(-1000, 1000)
        k_fixed = [ref_quantize(float(k), 32, f) for f in frac]  # the int is quantized to 32 bits on a's frac_bits
        want = grid([[ref_sat(v + k_fixed[c], value_bits) for c, v in enumerate(row)] for row in values])
        assert np.array_equal((a + k).values, want)


def test_random_mul_div_pow(rng):
    for _ in range(TRIALS):
        values, value_bits, frac = random_case(rng, per_axis=False)
        a = FixedPoint(values, value_bits, frac)
        bits_b, frac_b = random_bits(rng), rng.randint(-10, 30)
        # never 0: b divides too; -1 fits any value_bits
        others = [[rng.randint(-(1 << bits_b), (1 << bits_b) - 1) or -1 for _ in row] for row in values]
        b = FixedPoint(others, bits_b, frac_b)
        pairs = [list(zip(r, o, strict=True)) for r, o in zip(values, others, strict=True)]
        prod = a * b
        assert int(prod.frac_bits) == frac + frac_b
        assert np.array_equal(prod.values, [[ref_sat(x * y, value_bits) for x, y in row] for row in pairs])
        quot = a / b
        assert int(quot.frac_bits) == frac - frac_b
        assert np.array_equal(quot.values, [[ref_sat(int(Fraction(x, y)), value_bits) for x, y in row]
                                            for row in pairs])  # int() of a Fraction truncates toward zero
        cube = grid([[ref_sat(v * ref_sat(v * v, value_bits), value_bits) for v in row] for row in values])
        assert np.array_equal((a ** 3).values, cube) and int((a ** 3).frac_bits) == 3 * frac


def test_random_comparisons(rng):
    ops = {"<": (lambda x, y: x < y), "<=": (lambda x, y: x <= y), ">": (lambda x, y: x > y),
           ">=": (lambda x, y: x >= y), "==": (lambda x, y: x == y), "!=": (lambda x, y: x != y)}
    for _ in range(TRIALS):
        values, value_bits, frac = random_case(rng, per_axis=True)
        a = FixedPoint(values, value_bits, frac)
        frac_b = [f + rng.randint(-50, 50) for f in frac]
        # b sometimes equals a exactly (its values shifted), to exercise ==
        others = [[v << (fb - fa) if fb >= fa and rng.random() < 0.5 else rng.randint(-99, 99)
                   for v, fa, fb in zip(row, frac, frac_b, strict=True)] for row in values]
        b = FixedPoint(others, 52, frac_b)
        for symbol, op in ops.items():
            got = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[symbol]
            want = [[op(ref_value(x, frac[c]), ref_value(y, frac_b[c])) for c, (x, y) in
                     enumerate(zip(r, o, strict=True))] for r, o in zip(values, np.asarray(b.values).tolist(),
                                                                      strict=True)]
            assert np.array_equal(got, want), symbol


def test_random_qfloat_quantize_and_to_fixed_point(rng):
    for _ in range(TRIALS):
        value_bits, frac = random_bits(rng), rng.randint(-4, 12)
        scales = [rng.uniform(0.01, 10.0) for _ in range(3)]
        x = np.array(random_floats(rng, 6)[:12]).reshape(4, 3)
        q = QFloat.quantize(x, value_bits, scales, frac)
        # x / s is one IEEE float64 division: Python floats divide exactly as numpy's float64 does
        want = grid([[ref_quantize(v / scales[c], value_bits, frac) for c, v in enumerate(row)] for row in x.tolist()])
        assert np.array_equal(q.values, want)
        scale_bits = rng.randint(2, 16)
        fp, s = q.to_fixed_point(scale_bits)
        s_frac = [ref_max_frac_bits(scale_bits, Fraction(sc), clamp=False) for sc in scales]
        s_int = [ref_quantize(sc, scale_bits, f) for sc, f in zip(scales, s_frac, strict=True)]
        assert np.array_equal(s.values, s_int) and np.array_equal(s.frac_bits, s_frac)
        q_values = np.asarray(q.values).tolist()
        want_fp = grid([[ref_sat(v * s_int[c], value_bits) for c, v in enumerate(row)] for row in q_values])
        assert np.array_equal(fp.values, want_fp) and np.array_equal(fp.frac_bits, [frac + f for f in s_frac])


def test_random_log2_functions(rng):
    xs = [abs(v) for v in random_floats(rng, 200) if v] + [2.0 ** k for k in range(-30, 30)] + [7.0, 5.0, 6.0]
    xs += [1.4142135623730951, 1.414213562373095, 2 ** 24 + 1.0]
    ceil_want = [ref_ceil_log2(Fraction(x)) for x in xs]
    floor_want = [ref_ceil_log2(Fraction(x)) - (Fraction(2) ** ref_ceil_log2(Fraction(x)) != x) for x in xs]
    # round(log2 x) rounds up exactly when (x / 2**floor)**2 > 2, decided here on Fractions
    round_want = [f + ((Fraction(x) / Fraction(2) ** f) ** 2 > 2) for x, f in zip(xs, floor_want, strict=True)]
    assert np.array_equal(ceil_log2(xs), ceil_want) and np.array_equal(floor_log2(xs), floor_want)
    assert np.array_equal(round_log2(xs), round_want)
    assert [int(ceil_log2(7)), int(floor_log2(7)), int(round_log2(7)), int(round_log2(5))] == [3, 2, 3, 2]
    assert np.array_equal(pow2([-3, 0, 10]), [0.125, 1.0, 1024.0])


# ---------------------------------------------------------------- hwq.fixed speaks the same arithmetic


def test_fixed_type_round_trip_and_shared_rounding(rng):
    fp = FixedPoint([100, -128, 127], 7, 3)
    t = fp.fixed_type()
    assert (t.width, t.frac, t.signed) == (8, 3, True)
    assert (t.min_mantissa, t.max_mantissa) == (-128, 127)  # value_bits + sign = the type's range
    back = FixedPoint.from_fixed(np.asarray(fp.values), t)
    assert back.value_bits == 7 and int(back.frac_bits) == 3 and np.array_equal(back.values, fp.values)
    unsigned = FixedPoint.from_fixed([255, 0], FixedType(8, 4, signed=False))
    assert unsigned.value_bits == 8 and int(unsigned.frac_bits) == 4
    assert [t.frac for t in FixedPoint([[1, 2]], 4, [0, 5]).fixed_types()] == [0, 5]
    for _ in range(TRIALS):  # rescale equals hwq.fixed.cast between the two FixedTypes
        values, value_bits, frac = random_case(rng, per_axis=False)
        fp = FixedPoint(values, value_bits, frac)
        new_bits, new_frac = rng.randint(1, 52), frac - rng.randint(0, 40)
        target = FixedPoint([0], new_bits, new_frac).fixed_type()
        want = cast(np.asarray(fp.values), fp.fixed_type(), target)
        assert np.array_equal(fp.rescale(new_frac, new_bits)[0].values, want)


# ---------------------------------------------------------------- bad input raises clear errors


A = FixedPoint([4, 2], 8, 1)
PER_AXIS_Q = QFloat(FixedPoint([[1, 2]], 4, 0), [1.0, 2.0])
BAD_CALLS = [  # (what raises, the exception, words of its message)
    (lambda: FixedPoint([1], 53, 0), ValueError, "value_bits"),
    (lambda: FixedPoint([1], -1, 0), ValueError, "value_bits"),
    (lambda: FixedPoint([1], 7.0, 0), TypeError, "value_bits"),
    (lambda: FixedPoint([1], True, 0), TypeError, "value_bits"),
    (lambda: FixedPoint.quantize([0.5], 60), ValueError, "value_bits"),
    (lambda: FixedPoint([1.5], 8, 0), ValueError, "fractional"),
    (lambda: FixedPoint([np.nan], 8, 0), ValueError, "finite"),
    (lambda: FixedPoint(["a"], 8, 0), TypeError, "integers"),
    (lambda: FixedPoint([[1, 2]], 8, 0.5), ValueError, "fractional"),
    (lambda: FixedPoint([[1, 2]], 8, [[1, 2], [3, 4]]), ValueError, "one-dimensional"),
    (lambda: FixedPoint([[1, 2]], 8, [1, 2, 3]), ValueError, "broadcast"),
    (lambda: FixedPoint([[1, 2]], 8, 901), ValueError, r"\[-900, 900\]"),
    (lambda: A - FixedPoint([1, 1], 8, 0), ValueError, "not aligned"),
    (lambda: A + 1.5, TypeError, "Unsupported"),
    (lambda: A / FixedPoint([1, 0], 8, 0), ZeroDivisionError, "divide by 0"),
    (lambda: A ** -1, NotImplementedError, "Negative powers"),
    (lambda: A ** 0.5, TypeError, "Unsupported"),
    (lambda: A >> -1, ValueError, "positive"),
    (lambda: A >> [1, 2], ValueError, "rank"),  # a per-tensor frac_bits cannot take a per-element shift
    (lambda: A < 3, TypeError, "Unsupported"),
    (lambda: A == 3, TypeError, "Unsupported"),
    (lambda: FixedPoint.from_fixed([200], FixedType(8, 8)), ValueError, "outside"),
    (lambda: FixedPoint.from_fixed([1], FixedType(60, 60)), ValueError, "at most"),
    (lambda: FixedPoint([[1, 2]], 4, [0, 1]).fixed_type(), ValueError, "not per-tensor"),
    (lambda: FixedPoint.max_frac_bits(8, 0.0, clamp=False), ValueError, "zero range"),
    (lambda: FixedPoint.max_frac_bits(8, -1.0), ValueError, "non-negative"),
    (lambda: FixedPoint.quantize([np.inf], 8, 0), ValueError, "finite"),
    (lambda: QFloat.quantize([1.0], 8, 0.0), ValueError, "nonzero"),
    (lambda: QFloat.optimal_scales(1.0, 0), ValueError, "value_bits >= 1"),
    (lambda: ceil_log2([0.0]), ValueError, "positive"),
    (lambda: QFloat(FixedPoint([[1, 2]], 4, 0), [[1.0, 2.0], [3.0, 4.0]]), ValueError, "one-dimensional"),
    (lambda: QFloat([1, 2], 1.0), TypeError, "FixedPoint"),
    (lambda: PER_AXIS_Q * PER_AXIS_Q, ValueError, "not per-tensor"),
]


@pytest.mark.parametrize("call, error, match", BAD_CALLS)
def test_bad_input_raises(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_values_are_immutable():
    fp = FixedPoint(np.array([1, 2]), 4, 0)
    assert tensors.MAX_VALUE_BITS == 52
    with pytest.raises(ValueError):
        fp._values[0] = 3  # the arrays are read-only: operations can share them safely
