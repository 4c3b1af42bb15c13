"""Constant matrices as shared shift-add programs (hwq.cmvm) and their proof (hwq.scalar.check).

The solver's programs are evaluated exactly against the matrix product for random matrices of every shape
and sign; the symbolic check is shown catching corrupted programs (a wrong shift, a dropped term, a range
too narrow for its values, a wrong input range); a program that fails the check is never emitted. The
Verilog of both forms against simulate runs in test_verilog.py (shift_add is the default) and below.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.graphs import inputs_over_range, random_mlp

import hwq
from hwq.cmvm import Options, constant_matrix_program
from hwq.cmvm.digits import binary, csd, digits
from hwq.ir import Graph
from hwq.scalar import CheckError, Program, check_program
from hwq.scalar.program import Output


@pytest.mark.parametrize("recode", [csd, binary, digits])
def test_signed_digits_sum_to_the_number(recode) -> None:
    for n in range(-600, 601):
        d = recode(n)
        assert sum(sign << shift for shift, sign in d) == n
        assert len({shift for shift, _ in d}) == len(d)
    assert all(len(csd(n)) <= len(binary(n)) for n in range(-600, 601))
    for n in range(1, 600):  # CSD: no two nonzero digits side by side
        shifts = [shift for shift, _ in csd(n)]
        assert all(b - a >= 2 for a, b in zip(shifts, shifts[1:], strict=False))


def _case(rng, n_in: int, n_out: int, bits: int, signed_inputs: bool, bias: bool):
    matrix = rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), size=(n_in, n_out))
    matrix[:, 0] = 0  # a column of zeros: the output is the bias (or 0)
    if n_out > 2:
        matrix[:, 1] = -np.abs(matrix[:, 1]) - 1  # every weight negative: the sum needs a negation (or the bias)
    if n_in > 1 and n_out > 3:
        matrix[:, 3] = 0
        matrix[1, 3] = 8  # one power of two: a shifted input, no adder
    lo, hi = (-512, 511) if signed_inputs else (0, 63)
    offsets = list(rng.integers(-1000, 1000, n_out)) if bias else None
    return matrix, [(lo, hi)] * n_in, offsets


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("options", [Options(), Options(cse=False), Options(tree="shallow"),
                                     Options(max_shift=2, max_depth=3)])
def test_programs_equal_the_matrix_product(seed: int, options: Options) -> None:
    rng = np.random.default_rng(seed)
    n_in, n_out = int(rng.integers(1, 20)), int(rng.integers(1, 12))
    matrix, ranges, offsets = _case(rng, n_in, n_out, int(rng.integers(2, 9)), seed % 2 == 0, seed % 3 != 0)
    program = constant_matrix_program(matrix, ranges, 0, offsets, options)
    lo, hi = ranges[0]
    x = rng.integers(lo, hi + 1, size=(n_in, 400))
    x[:, 0], x[:, 1] = lo, hi  # the range's ends
    want = matrix.T.astype(object) @ x.astype(object) + (np.array(offsets, dtype=object)[:, None] if offsets else 0)
    got = np.array(program.evaluate(list(x)), dtype=object)
    assert (got == want).all()
    values = _step_values(program, x)
    for k, s in enumerate(program.steps):  # every step's values inside its range: its width holds them
        assert s.lo <= values[k].min() and values[k].max() <= s.hi, k
    assert program.count("add") <= sum(len(csd(int(v))) for v in matrix.ravel()) + n_out


def test_sharing_saves_adders_on_a_dense_matrix() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.integers(-31, 32, size=(16, 32))
    ranges = [(-(1 << 15), (1 << 15) - 1)] * 16
    shared = constant_matrix_program(matrix, ranges, 0)
    alone = constant_matrix_program(matrix, ranges, 0, options=Options(cse=False))
    assert shared.count("add") < 0.85 * alone.count("add")
    assert _luts(shared) < 0.9 * _luts(alone)
    narrow = constant_matrix_program(matrix, ranges, 0, options=Options(tree="narrow"))
    assert max(shared.depth()) <= max(narrow.depth())  # the default sums the shallowest terms first


def _luts(program: Program) -> int:
    from hwq.scalar.excess import excess_form, lut_bits

    return lut_bits(program, excess_form(program))


def _step_values(program: Program, x: np.ndarray) -> list[np.ndarray]:
    """Every step's values, by evaluating a program whose outputs are all its steps."""
    every = replace(program, outputs=[Output(k) for k in range(len(program.steps))])
    return [np.asarray(v) for v in every.evaluate(list(x))]


def _program():
    rng = np.random.default_rng(5)
    matrix, ranges, offsets = _case(rng, 8, 6, 6, True, True)
    return constant_matrix_program(matrix, ranges, 0, offsets), matrix, ranges, offsets


def _adds(program: Program) -> list[int]:
    return [k for k, s in enumerate(program.steps) if s.op == "add"]


def _widen_from(program: Program, k: int) -> None:
    """Room for any value in step k and every sum after it: only the sums themselves can be wrong."""
    wide = 1 << 40
    for j, s in enumerate(program.steps):
        if j >= k and s.op in ("add", "neg"):
            program.steps[j] = replace(s, lo=-wide, hi=wide)


def test_the_check_catches_a_wrong_shift() -> None:
    program, matrix, ranges, offsets = _program()
    bad = copy.deepcopy(program)
    k = _adds(bad)[0]
    s = bad.steps[k]
    bad.steps[k] = replace(s, attrs=(s.attrs[0], s.attrs[1] + 1, *s.attrs[2:]))
    _widen_from(bad, k)
    with pytest.raises(CheckError, match="output .* computes a different sum"):
        check_program(bad, matrix, offsets, ranges)


def test_the_check_catches_a_dropped_term() -> None:
    program, matrix, ranges, offsets = _program()
    bad = copy.deepcopy(program)
    k = next(k for k in _adds(bad) if bad.steps[bad.steps[k].args[1]].op == "input")
    s = bad.steps[k]
    a = s.args[0]
    bad.steps[k] = replace(s, args=(a, a), attrs=(0, 0, False, False))
    _widen_from(bad, k)
    with pytest.raises(CheckError, match="computes a different sum"):
        check_program(bad, matrix, offsets, ranges)


def test_the_check_catches_a_range_too_narrow() -> None:
    program, matrix, ranges, offsets = _program()
    bad = copy.deepcopy(program)
    k = _adds(bad)[-1]
    bad.steps[k] = replace(bad.steps[k], hi=bad.steps[k].hi // 2 - 1)
    with pytest.raises(CheckError, match=f"step {k} .*beyond its declared range"):
        check_program(bad, matrix, offsets, ranges)
    with pytest.raises(CheckError, match="input 0 declared in"):
        check_program(program, matrix, offsets, [(-1024, 1023)] + ranges[1:])
    with pytest.raises(CheckError, match="different sum"):
        check_program(program, matrix, [o + 1 for o in offsets], ranges)


def test_a_program_that_fails_the_check_is_not_emitted(tmp_path: Path, monkeypatch) -> None:
    """The pass proves each kernel's program before anything is written: a solver bug stops the emit."""
    import hwq.cmvm.kernels as kernels
    import hwq.cmvm.solve as solve

    real = solve.sum_tree

    def off_by_one(terms, signals, tree="shallow"):
        root = real(terms, signals, tree)
        return None if root is None else (root[0], root[1] + 1, root[2])  # every output doubled

    monkeypatch.setattr(solve, "sum_tree", off_by_one)
    kernels._program.cache_clear()
    graph = random_mlp(np.random.default_rng(2), n_in=4, depth=1)
    try:
        with pytest.raises(CheckError, match="node 'dense_0'"):
            hwq.emit(graph, tmp_path / "v", backend="verilog")
    finally:
        kernels._program.cache_clear()
    assert not (tmp_path / "v").exists()


@pytest.mark.slow
def test_both_forms_equal_simulate_in_verilog(tmp_path: Path) -> None:
    """Random MLPs in one Verilator build per form: shift_add and direct both equal simulate."""
    from support.branching import union
    from test_verilog import _verilator

    _verilator()
    graph = union([random_mlp(np.random.default_rng(100 + k)) for k in range(6)], name="forms")
    rng = np.random.default_rng(1)
    x = [inputs_over_range(rng, Graph("one", [v], [], [v.name]), 300).reshape(300, -1) for v in graph.inputs]
    want = graph.simulate(x)
    for form in ("shift_add", "direct"):
        prj = hwq.emit(graph, tmp_path / form, backend="verilog", io="parallel", multipliers=form)
        text = "".join(p.read_text() for p in (prj.path / "rtl").glob("*.v"))
        assert ("shift-add graph" in text) == (form == "shift_add")
        got = prj.predict(x)
        assert all((np.asarray(a) == np.asarray(b)).all() for a, b in zip(got, want, strict=True))


def test_every_scalar_op_evaluates_exactly_within_its_bound() -> None:
    """The non-linear steps (quantize with a rounding and overflow mode, relu, mux, table, mul) against numpy and
    hwq.fixed, every value inside the step's interval bound."""
    from hwq.fixed import FixedType
    from hwq.fixed.ops import cast
    from hwq.scalar.ops import Range

    rng = np.random.default_rng(4)
    x = rng.integers(-300, 300, size=(2, 500))
    p = Program()
    a = p.add_step("input", (), 4, (0,), Range(-300, 299))
    b = p.add_step("input", (), 4, (1,), Range(-300, 299))
    t = FixedType(5, 3, True, "RND_CONV", "SAT")
    steps = {
        "quantize": p.add_step("quantize", (a,), 4, (t,)),
        "relu": p.add_step("relu", (a,), 4),
        "mux": p.add_step("mux", (a, a, b), 4),
        "table": p.add_step("table", (b,), 4, (-2, 7, -5, 0, 11)),
        "mul": p.add_step("mul", (a, b), 8),
    }
    p.outputs = [Output(k) for k in steps.values()]
    got = dict(zip(steps, p.evaluate(list(x)), strict=True))
    want = {
        "quantize": cast(x[0], FixedType(64, 60, True), t),
        "relu": np.maximum(x[0], 0),
        "mux": np.where(x[0] != 0, x[0], x[1]),
        "table": np.array([7, -5, 0, 11])[np.clip(x[1], -2, 1) + 2],
        "mul": x[0] * x[1],
    }
    for name, k in steps.items():
        assert (np.asarray(got[name]) == want[name]).all(), name
        s = p.steps[k]
        assert s.lo <= np.min(got[name]) and np.max(got[name]) <= s.hi, name
    assert p.steps[steps["quantize"]].range == Range(-16, 15) and p.steps[steps["mul"]].lo == -300 * 299


def _printed_words(program: Program, words: dict, x: np.ndarray) -> dict[int, np.ndarray]:
    """Each word as the Verilog printer forms it, in plain integers: an input's sign bit flipped, a negated word
    complemented over its width, an add's words shifted and summed."""
    got: dict[int, np.ndarray] = {}
    for k in sorted(words):
        s = program.steps[k]
        if s.op == "input":
            v = np.asarray(x[s.attrs[0]], dtype=object)
            got[k] = v + (1 << (s.width - 1)) if s.signed else v
        elif s.op == "const":
            got[k] = np.zeros_like(np.asarray(x[0], dtype=object))
        else:
            terms = [(s.args[0], 0, True)] if s.op == "neg" else \
                [(s.args[0], s.attrs[0], s.attrs[2]), (s.args[1], s.attrs[1], s.attrs[3])]
            total = 0
            for a, shift, complement in terms:
                u = got[a] if not complement else ((1 << words[a].width) - 1) - got[a]
                total = total + (u << shift)
            got[k] = total
    return got


@pytest.mark.parametrize("seed", range(4))
def test_excess_words_hold_each_value_less_its_offset(seed: int) -> None:
    """The printed words, evaluated bit for bit, are non-negative, fit their widths and equal value - offset;
    the LUT count is the overlap of each add's words."""
    from hwq.scalar.excess import carry_bits, check_excess, excess_form, lut_bits

    rng = np.random.default_rng(seed)
    matrix, ranges, offsets = _case(rng, 9, 7, 7, bool(seed % 2), True)
    program = constant_matrix_program(matrix, ranges, 0, offsets)
    words = excess_form(program)
    check_excess(program, words)
    x = np.array([np.concatenate([[lo, hi], rng.integers(lo, hi, size=398, endpoint=True)]) for lo, hi in ranges])
    values = _step_values(program, x)
    printed = _printed_words(program, words, x)
    for k, w in words.items():
        u = np.asarray(printed[k], dtype=object)
        assert (u >= 0).all() and (u < 1 << w.width).all(), k
        assert (u + w.offset == values[k]).all(), k
    assert 0 < lut_bits(program, words) <= carry_bits(program, words)


def test_an_adder_costs_the_bits_where_its_words_overlap() -> None:
    """x0 + 32 * x1 on 16-bit signed inputs: two 16-bit words (sign bits flipped), the second at shift 5. They
    overlap in bits 5..15: 11 LUTs; the sum's word is 22 bits, its low 5 pass through: a 17-bit carry chain."""
    from hwq.scalar.excess import carry_bits, excess_form, lut_bits

    program = constant_matrix_program(np.array([[1], [32]]), [(-(1 << 15), (1 << 15) - 1)] * 2, 0)
    words = excess_form(program)
    assert program.count("add") == 1
    assert (lut_bits(program, words), carry_bits(program, words)) == (11, 17)
    assert words[program.outputs[0].step].width == 22


def test_the_excess_check_catches_a_wrong_offset_and_a_narrow_word() -> None:
    from hwq.scalar.excess import check_excess, excess_form

    program, *_ = _program()
    words = excess_form(program)
    k = _adds(program)[-1]
    with pytest.raises(CheckError, match=f"step {k} .*offset"):
        check_excess(program, {**words, k: replace(words[k], offset=words[k].offset + 1)})
    with pytest.raises(CheckError, match=f"step {k}'s word reaches"):
        check_excess(program, {**words, k: replace(words[k], width=words[k].width - 1,
                                                    hi=(1 << (words[k].width - 1)) - 1)})
