"""The excess form of a linear scalar program: how the Verilog printer holds it, every value as a non-negative word.

A step's wire holds u = v - offset, with offset a constant chosen per step so that u >= 0: an input's sign bit
flipped (u = x + 2^(w-1)), a negated operand complemented (~u = 2^w - 1 - u over its w bits), a constant held
in the offsets alone. Every adder then adds two non-negative words, zero-extended: above the narrower one the
sum is the wider one plus a carry, which a carry chain forms with no LUT, where a signed operand's copies of its
sign bit each need one. A constant added costs no LUT at all, a complement is folded into the LUT that adds.
Measured with Yosys 0.23 `synth_xilinx` (16-bit words): a + (b << 5) took 16 LUTs signed and 11 unsigned;
a 16-bit word plus a constant took none (its CARRY4s only). Each output is (u + offset) << shift, formed modulo
the accumulator's width: exact, since the output's value fits it.

| step        | word u                                   | offset                         |
|-------------|------------------------------------------|--------------------------------|
| input (w)   | x with its sign bit flipped (signed)     | -2^(w-1) (signed), 0           |
| const c     | none (width 0)                           | c                              |
| neg a       | ~u_a                                     | -(F_a + o_a), F_a = 2^w_a - 1  |
| add         | t1 + t2: u_a << s, or ~u_a << s negated  | o_a << s, or -(F_a + o_a) << s |

check_excess proves it: each word is an integer combination of the inputs' mantissas, followed through the
printed operations, and word + offset must be the step's own combination exactly, every word within its width.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwq.fixed.fixed_type import bits_for_range
from hwq.scalar.check import CheckError
from hwq.scalar.program import Program

EXCESS_OPS = ("input", "const", "neg", "add")


@dataclass(frozen=True)
class Word:
    """Step k's wire: u in [lo, hi] (width bits, unsigned; 0: no wire, a constant) and the value v = u + offset."""

    width: int
    lo: int
    hi: int
    offset: int


@dataclass(frozen=True)
class Term:
    """One operand of an add as printed: step's word (complemented when negated) times 2^shift."""

    step: int
    shift: int
    complement: bool


def excess_form(program: Program) -> dict[int, Word]:
    """The word of every step an output reads (directly or not)."""
    words: dict[int, Word] = {}
    for k in sorted(program.live()):
        s = program.steps[k]
        if s.op not in EXCESS_OPS:
            raise ValueError(f"step {k}: {s.op} has no excess form (only {', '.join(EXCESS_OPS)})")
        if s.op == "input":
            offset = -(1 << (s.width - 1)) if s.signed else 0
            words[k] = _word(s.lo - offset, s.hi - offset, offset)
        elif s.op == "const":
            words[k] = Word(0, 0, 0, int(s.attrs[0]))
        else:
            terms = [Term(s.args[0], 0, True)] if s.op == "neg" else \
                [Term(a, shift, neg) for a, shift, neg in zip(s.args, s.attrs[:2], s.attrs[2:], strict=True)]
            # u = v - offset: the step's own range less the offset (a constant adds to the offset only)
            offset = sum(term_range(t, words)[2] for t in terms)
            words[k] = _word(s.lo - offset, s.hi - offset, offset)
    return words


def add_terms(program: Program, k: int, words: dict[int, Word]) -> list[Term]:
    """The words an add step's wire sums, the lower shift first (a constant's is left out: it is in the offset,
    and an add of one is a wire, no adder)."""
    (a, b), (sa, sb, na, nb) = program.steps[k].args, program.steps[k].attrs
    terms = [Term(a, sa, na), Term(b, sb, nb)]
    return sorted((t for t in terms if words[t.step].width), key=lambda t: t.shift)


def term_range(t: Term, words: dict[int, Word]) -> tuple[int, int, int]:
    """(lo, hi, offset) of the term's word: u << s, or ~u << s with ~u = F - u."""
    w = words[t.step]
    if not t.complement:
        return w.lo << t.shift, w.hi << t.shift, w.offset << t.shift
    full = (1 << w.width) - 1
    return (full - w.hi) << t.shift, (full - w.lo) << t.shift, -((full + w.offset) << t.shift)


def _word(lo: int, hi: int, offset: int) -> Word:
    return Word(bits_for_range(0, hi) if hi > 0 else 0, lo, hi, offset)


def passthrough(terms: list[Term], width: int) -> int:
    """The low bits of a sum of two words that need no adder: with the lower word at shift 0 and the other at s
    (0 < s < width), the sum's low s bits are the lower word's; else none."""
    if len(terms) != 2:
        return 0
    first, second = terms
    cut = second.shift - first.shift
    return cut if first.shift == 0 and 0 < cut < width else 0


def carry_bits(program: Program, words: dict[int, Word]) -> int:
    """The bits of every adder's carry chain as printed: a sum of two words spans its own word above the bits that
    pass through; an add with a constant (one word) and a negation are wires."""
    total = 0
    for k, w in words.items():
        if program.steps[k].op == "add":
            terms = add_terms(program, k, words)
            if len(terms) == 2:
                total += w.width - passthrough(terms, w.width)
    return total


def lut_bits(program: Program, words: dict[int, Word], skip: set[int] | frozenset[int] = frozenset()) -> int:
    """The bits where an add's two words overlap: one LUT each in front of the carry chain (the steps in `skip`
    left out: hwq.scalar.ternary prices those)."""
    return sum(overlap_bits(program, k, words) for k in words if program.steps[k].op == "add" and k not in skip)


def overlap_bits(program: Program, k: int, words: dict[int, Word]) -> int:
    """The bits where add step k's two words overlap (0 when it adds a constant: a wire)."""
    terms = add_terms(program, k, words)
    if len(terms) != 2:
        return 0
    (t1, t2) = terms
    top = min(t1.shift + words[t1.step].width, t2.shift + words[t2.step].width)
    return max(0, top - max(t1.shift, t2.shift))


def check_excess(program: Program, words: dict[int, Word], what: str = "program") -> None:
    """Prove every word + offset equals its step's value (as integer combinations of the input mantissas) and
    lies in [0, 2^width) over the inputs' ranges; raise CheckError otherwise."""
    ranges = {s.attrs[0]: (s.lo, s.hi) for s in program.steps if s.op == "input"}
    values: dict[int, tuple[dict[int, int], int]] = {}
    printed: dict[int, tuple[dict[int, int], int]] = {}
    for k in sorted(words):
        s, w = program.steps[k], words[k]
        if s.op == "input":
            values[k] = ({s.attrs[0]: 1}, 0)
            flip = 1 << (s.width - 1) if s.signed else 0
            printed[k] = ({s.attrs[0]: 1}, flip)
        elif s.op == "const":
            values[k], printed[k] = ({}, int(s.attrs[0])), ({}, 0)
        elif s.op == "neg":
            values[k] = _scaled(values[s.args[0]], -1)
            printed[k] = _complement(printed[s.args[0]], words[s.args[0]].width)
        else:
            (a, b), (sa, sb, na, nb) = s.args, s.attrs
            values[k] = _plus(_scaled(values[a], (-1 if na else 1) << sa), _scaled(values[b], (-1 if nb else 1) << sb))
            total: tuple[dict[int, int], int] = ({}, 0)
            for t in add_terms(program, k, words):
                word = _complement(printed[t.step], words[t.step].width) if t.complement else printed[t.step]
                total = _plus(total, _scaled(word, 1 << t.shift))
            printed[k] = total
        lo, hi = _reach(printed[k], ranges)
        if not 0 <= w.lo <= lo <= hi <= w.hi < 1 << w.width:
            raise CheckError(f"{what}: step {k}'s word reaches [{lo}, {hi}], beyond its declared [{w.lo}, {w.hi}] "
                             f"within {w.width} unsigned bits")
        if _plus(printed[k], ({}, w.offset)) != values[k]:
            raise CheckError(f"{what}: step {k} ({s.op}): its word plus the offset {w.offset} is not its value")


def _scaled(c: tuple[dict[int, int], int], k: int) -> tuple[dict[int, int], int]:
    return {i: k * v for i, v in c[0].items()}, k * c[1]


def _plus(x: tuple[dict[int, int], int], y: tuple[dict[int, int], int]) -> tuple[dict[int, int], int]:
    out = dict(x[0])
    for i, v in y[0].items():
        out[i] = out.get(i, 0) + v
    return {i: v for i, v in out.items() if v}, x[1] + y[1]


def _complement(c: tuple[dict[int, int], int], width: int) -> tuple[dict[int, int], int]:
    """~u over width bits: 2^width - 1 - u."""
    neg = _scaled(c, -1)
    return neg[0], neg[1] + (1 << width) - 1


def _reach(c: tuple[dict[int, int], int], ranges: dict[int, tuple[int, int]]) -> tuple[int, int]:
    lo = hi = c[1]
    for i, v in c[0].items():
        a, b = ranges[i]
        lo += min(v * a, v * b)
        hi += max(v * a, v * b)
    return lo, hi
