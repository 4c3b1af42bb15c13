"""The proof that a scalar program computes a constant matrix-vector product exactly.

Every linear step (input, const, add, neg) is followed symbolically: its mantissa is an integer
combination sum_i c[i] * x[i] + k of the input mantissas x. The outputs' combinations must equal the
expected matrix columns and offsets exactly, a linear step's operands must share its binary point (a
shift scales, it does not realign), and each step's declared range (hence its width) must hold the exact
range its combination reaches over the inputs' ranges, which must be the ranges the caller says the
inputs take. Any other step is held to its op's interval bound.
"""

from __future__ import annotations

import numpy as np

from hwq.scalar.ops import OPS
from hwq.scalar.program import Program


class CheckError(ValueError):
    """A scalar program that does not compute what it claims; the message names the step."""


def check_program(program: Program, matrix: np.ndarray, offsets: list[int] | None,
                  input_ranges: list[tuple[int, int]], what: str = "program") -> None:
    """Prove output j == sum_i matrix[i, j] * x[i] + offsets[j] (mantissas), x[i] the mantissa of input port i,
    for every x[i] in input_ranges[i]; raise CheckError otherwise."""
    n_in, n_out = matrix.shape
    if len(program.outputs) != n_out:
        raise CheckError(f"{what}: {len(program.outputs)} outputs, the matrix has {n_out} columns")
    ranges = [(int(lo), int(hi)) for lo, hi in input_ranges]
    for s in program.steps:
        if s.op == "input" and (s.lo, s.hi) != ranges[s.attrs[0]]:
            raise CheckError(f"{what}: input {s.attrs[0]} declared in [{s.lo}, {s.hi}], but it takes "
                             f"{list(ranges[s.attrs[0]])}")
    combos: list[tuple[dict[int, int], int] | None] = []  # sparse: input port -> coefficient, and a constant
    for k, step in enumerate(program.steps):
        if any(not 0 <= a < k for a in step.args) or len(step.args) != OPS[step.op].arity:
            raise CheckError(f"{what}: step {k} ({step.op}) reads {step.args}, not {OPS[step.op].arity} earlier steps")
        combo = _combination(program, k, combos, n_in, what)
        combos.append(combo)
        lo, hi = _reach(combo, ranges) if combo is not None else _op_bound(program, k)
        if lo < step.lo or hi > step.hi:
            raise CheckError(f"{what}: step {k} ({step.op}) reaches [{lo}, {hi}], beyond its declared range "
                             f"[{step.lo}, {step.hi}] ({step.width} bits)")
    for j, out in enumerate(program.outputs):
        want = ([int(v) for v in matrix[:, j]], int(offsets[j]) if offsets is not None else 0)
        if out.step is None:
            got = ([0] * n_in, 0)
        else:
            combo = combos[out.step]
            if combo is None:
                raise CheckError(f"{what}: output {j} reads step {out.step}, which is not linear")
            got = ([combo[0].get(i, 0) << out.shift for i in range(n_in)], combo[1] << out.shift)
        if got != want:
            wrong = [i for i in range(n_in) if got[0][i] != want[0][i]]
            where = f"inputs {wrong[:8]}" if wrong else "the offset"
            raise CheckError(f"{what}: output {j} computes a different sum (at {where}: got "
                             f"{[got[0][i] for i in wrong[:4]] if wrong else got[1]}, want "
                             f"{[want[0][i] for i in wrong[:4]] if wrong else want[1]})")


def _combination(program: Program, k: int, combos: list, n_in: int,
                 what: str) -> tuple[dict[int, int], int] | None:
    step = program.steps[k]
    if step.op == "input":
        port = step.attrs[0]
        if not 0 <= port < n_in:
            raise CheckError(f"{what}: step {k} reads input port {port} of {n_in}")
        return {port: 1}, 0
    if step.op == "const":
        return {}, int(step.attrs[0])
    if step.op == "neg":
        a = combos[step.args[0]]
        _same_point(program, k, [step.args[0]], what)
        return None if a is None else ({i: -c for i, c in a[0].items()}, -a[1])
    if step.op == "add":
        (a, b), (sa, sb, na, nb) = step.args, step.attrs
        _same_point(program, k, [a, b], what)
        if combos[a] is None or combos[b] is None:
            return None
        ka, kb = (-1 if na else 1) << sa, (-1 if nb else 1) << sb
        coefficients = {i: ka * c for i, c in combos[a][0].items()}
        for i, c in combos[b][0].items():
            coefficients[i] = coefficients.get(i, 0) + kb * c
        return {i: c for i, c in coefficients.items() if c}, ka * combos[a][1] + kb * combos[b][1]
    return None


def _same_point(program: Program, k: int, operands: list[int], what: str) -> None:
    frac = program.steps[k].frac
    for a in operands:
        if program.steps[a].frac != frac:
            raise CheckError(f"{what}: step {k} ({program.steps[k].op}) has {frac} fraction bits, its operand "
                             f"step {a} {program.steps[a].frac}")


def _reach(combo: tuple[dict[int, int], int], ranges: list[tuple[int, int]]) -> tuple[int, int]:
    coefficients, k = combo
    lo = hi = k
    for i, c in coefficients.items():
        a, b = ranges[i]
        lo += min(c * a, c * b)
        hi += max(c * a, c * b)
    return lo, hi


def _op_bound(program: Program, k: int) -> tuple[int, int]:
    step = program.steps[k]
    r = OPS[step.op].bound(step.attrs, *(program.steps[a].range for a in step.args))
    return r.lo, r.hi
