"""A constant matrix times a vector as a shared shift-add program: signed digits (CSD), common
subexpressions across the whole matrix, balanced adder trees; proven by hwq.scalar.check before it is
returned."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwq.cmvm.cse import eliminate
from hwq.cmvm.digits import digits
from hwq.cmvm.signals import Signals, Term
from hwq.cmvm.trees import sum_tree
from hwq.scalar import Program, check_program
from hwq.scalar.ops import Range
from hwq.scalar.program import Output


@dataclass(frozen=True)
class Options:
    """cse: share two-term patterns across the matrix (False: each column's digits summed on their own).
    max_shift: patterns at most this far apart (None: any). max_depth: no shared signal deeper than this many
    adders (None: any). tree: how each column's terms are summed, "shallow" (the shallowest two first) or
    "narrow" (the narrowest two first). Shallow is the default: on the jet tagger, the MNIST dense model and the
    MNIST CNN's convolutions it took 0.2-0.6% fewer LUT bits (lut_bits: 24,725 against 24,874 on the jet
    tagger) and 2-4 fewer adders of depth. group: patterns
    only between inputs of one group of this many (i // group): the pairs counted grow with the square of a
    column's terms, and a layer of hundreds of inputs would take minutes and gigabytes; the sharing between
    columns stays whole. On the MNIST CNN's 400-input dense layer, groups of 64 / 128 / 256 give 3,723 / 3,472 /
    3,295 adders in about 2 / 5 / 10 s."""

    cse: bool = True
    max_shift: int | None = None
    max_depth: int | None = None
    tree: str = "shallow"
    group: int | None = 128


def constant_matrix_program(matrix: np.ndarray, input_ranges: list[tuple[int, int]], frac: int = 0,
                            offsets: list[int] | None = None, options: Options | None = None,
                            what: str = "matrix") -> Program:
    """A program whose output j is sum_i matrix[i, j] * x[i] + offsets[j], x[i] the mantissa of input port i
    (each within input_ranges[i], at `frac` fraction bits); checked symbolically (CheckError if not exact)."""
    options = options or Options()
    matrix = np.asarray(matrix, dtype=object)
    n_in, n_out = matrix.shape
    signals = Signals([(int(lo), int(hi)) for lo, hi in input_ranges])
    columns: list[list[Term]] = [[] for _ in range(n_out)]
    for i in range(n_in):
        for j in range(n_out):
            columns[j].extend((i, shift, sign) for shift, sign in digits(int(matrix[i, j])))
    for j in range(n_out):
        if offsets is not None and int(offsets[j]):
            c = int(offsets[j])
            tz = (c & -c).bit_length() - 1
            columns[j].append((signals.constant(c >> tz), tz, 1))
    if options.cse:
        parts = _grouped(columns, n_in, options.group)
        eliminate(parts, signals, options.max_shift, options.max_depth)
        columns = [[t for part in parts[j::len(columns)] for t in part] for j in range(len(columns))]
    roots = [sum_tree(col, signals, options.tree) for col in columns]
    program = _program(signals, roots, frac)
    check_program(program, matrix, offsets, signals.ranges, what)
    return program


def _grouped(columns: list[list[Term]], n_in: int, group: int | None) -> list[list[Term]]:
    """Each column split by input group, group-major: part g * len(columns) + j holds column j's terms over the
    inputs of group g (a constant goes with group 0)."""
    if group is None or n_in <= group:
        return [list(col) for col in columns]
    groups = -(-n_in // group)
    parts: list[list[Term]] = [[] for _ in range(groups * len(columns))]
    for j, col in enumerate(columns):
        for t in col:
            g = t[0] // group if t[0] < n_in else 0  # signals past the inputs are constants here
            parts[g * len(columns) + j].append(t)
    return parts


def _program(signals: Signals, roots: list[Term | None], frac: int) -> Program:
    program = Program()
    step_of: dict[int, int] = {}

    def emit(k: int) -> int:
        if k in step_of:
            return step_of[k]
        s = signals[k]
        lo, hi = signals.reach(k)
        if s.port is not None:
            step = program.add_step("input", (), frac, (s.port,), Range(lo, hi))
        elif s.parts is None:
            step = program.add_step("const", (), frac, (s.constant,))
        else:
            a, b, shift, sa, sb = s.parts
            args = (emit(a), emit(b))
            step = program.add_step("add", args, frac, (0, shift, sa < 0, sb < 0), Range(lo, hi))
        step_of[k] = step
        return step

    for p in range(len(signals.ranges)):  # every input port has its step, read or not, in port order
        emit(p)
    for root in roots:
        if root is None:
            program.outputs.append(Output(None))
            continue
        k, shift, sign = root
        step = emit(k)
        if sign < 0:
            step = program.add_step("neg", (step,), frac)
        program.outputs.append(Output(step, shift))
    return program
