"""Three-word adders: where the Verilog printer adds three words of a shift-add program in one carry chain.

A Xilinx LUT6 has two outputs: per bit it forms both a + b + c's carry-save sum bit (xor of the three and of the
carry from the bit below) and its carry-save carry (the majority of the three), and the CARRY4 chain adds the two.
Three words then cost one LUT per bit where the adder works, where two chained two-word adders cost one per bit
each (measured with Yosys 0.23 synth_xilinx: three 16-bit words, 17 LUT6_2 against 32 LUTs as two adders).

The program stays a program of two-word adds (hwq.cmvm builds it, hwq.scalar.check proves it); the printer fuses an
add with one of its operands when that operand is an add read by nothing else (in the same pipeline stage, and not
complemented: ~(p + q) is no sum of three words). Its three words are printed through hwq_add3
(templates/verilog/rtl), whose bits are laid out as `Add3` says. `plan` picks the fusions, `lut_bits` prices them;
the printer and the estimate read the same two functions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hwq.scalar.check import CheckError
from hwq.scalar.excess import Term, Word, add_terms
from hwq.scalar.excess import lut_bits as excess_lut_bits
from hwq.scalar.program import Program


@dataclass(frozen=True)
class Add3:
    """Three words summed into a `width`-bit word: bits [0, low) are the lowest word's alone (wires); hwq_add3 adds
    the rest, a LUT at each of its first `luts` bits and the top word's bits alone above them."""

    terms: tuple[Term, Term, Term]  # relative to the sum's word: the top word (highest top bit) first
    width: int
    low: int
    luts: int
    inverters: int  # the top word's bits above the LUTs, complemented: a LUT each

    @property
    def cost(self) -> int:
        return self.luts + self.inverters


def plan(program: Program, words: dict[int, Word], stages: list[int] | None = None) -> dict[int, int]:
    """{add step: the add it absorbs}: from the last add back, each absorbs the operand (an add with two words,
    read by it alone, not complemented, in its stage) that leaves the fewest LUTs."""
    readers = Counter(a for k in words for a in program.steps[k].args)
    readers.update(o.step for o in program.outputs if o.step is not None)
    fused: dict[int, int] = {}
    absorbed: set[int] = set()
    for k in sorted(words, reverse=True):
        if program.steps[k].op != "add" or k in absorbed:
            continue
        best: tuple[int, int] | None = None
        for t in add_terms(program, k, words):
            c = t.step
            if t.complement or program.steps[c].op != "add" or readers[c] != 1 or c in absorbed or c in fused:
                continue
            if stages is not None and stages[c] != stages[k]:
                continue
            if len(add_terms(program, c, words)) != 2 or len(add_terms(program, k, words)) != 2:
                continue
            cost = layout(program, k, c, words).cost
            if best is None or cost < best[1]:
                best = (c, cost)
        if best is not None:
            fused[k] = best[0]
            absorbed.add(best[0])
    return fused


def layout(program: Program, k: int, child: int, words: dict[int, Word]) -> Add3:
    """Step k's word as the sum of its other term and `child`'s two terms, laid out for hwq_add3."""
    own = add_terms(program, k, words)
    via = next(t for t in own if t.step == child)
    terms = [t for t in own if t is not via]
    terms += [Term(t.step, t.shift + via.shift, t.complement) for t in add_terms(program, child, words)]
    width = words[k].width

    def top(t: Term) -> int:
        return min(width, t.shift + words[t.step].width)

    shifts = sorted(t.shift for t in terms)
    low = min(shifts[1], width) if shifts[0] < shifts[1] else 0
    ordered = sorted(terms, key=top, reverse=True)
    second_top = top(ordered[1])
    luts = max(0, min(width, second_top + 1) - low)
    first = ordered[0]
    inverters = max(0, top(first) - max(low + luts, first.shift)) if first.complement else 0
    return Add3((ordered[0], ordered[1], ordered[2]), width, low, luts, inverters)


def check_layout(layout: Add3, words: dict[int, Word], what: str = "program") -> None:
    """Prove hwq_add3's preconditions for this layout from the words' widths (check_excess proved the sum itself):
    below `low` one word alone; the two lower words end below the LUT region's last bit, so that above it the
    top word enters the chain alone with no carry-save carry; the region inside the sum's word. CheckError if not."""
    width, low, luts = layout.width, layout.low, layout.luts

    def top(t: Term) -> int:
        return min(width, t.shift + words[t.step].width)

    if low and sum(t.shift < low for t in layout.terms) != 1:
        raise CheckError(f"{what}: a three-word adder passes bits below {low} that two of its words hold")
    if low + luts > width or luts < 0:
        raise CheckError(f"{what}: a three-word adder's LUTs [{low}, {low + luts}) leave its {width}-bit word")
    if low + luts < width and any(top(t) > low + luts - 1 for t in layout.terms[1:]):
        raise CheckError(f"{what}: a three-word adder's lower words reach bit {max(top(t) for t in layout.terms[1:])}"
                         f", past its LUT region's last bit {low + luts - 1}: their bits above it would be dropped")


def lut_bits(program: Program, words: dict[int, Word], fused: dict[int, int]) -> int:
    """The LUTs of the program's adders as printed: each fused add's hwq_add3 (its LUT region and inverters), every
    other add where its two words overlap."""
    three = sum(layout(program, k, c, words).cost for k, c in fused.items())
    return three + excess_lut_bits(program, words, skip=set(fused) | set(fused.values()))
