"""A kernel node's shift-add program (hwq.cmvm) as Verilog, in its excess form (hwq.scalar.excess): one wire per
step holding the step's value less a constant offset as a non-negative word exactly as wide as its range, one line
each; then each output element is its word plus its offset, shifted and formed modulo 2^W of the accumulator.
Every adder adds non-negative words, zero-extended (a negated one complemented), so no LUT goes to copies of a sign
bit; constants live in the offsets and cost no adder. The excess form is proven (check_excess) before printing.

Pipelined (a KernelTiming from hwq.passes.stages): a step read in a later stage than it is computed in is copied
into one register per stage in between (`s7_d1`, `s7_d2`, ...), and each reader takes the copy of its own stage;
the outputs are all read in the node's output stage."""

from __future__ import annotations

from functools import partial

from hwq.backends.verilog.expr import Bits, element, unsigned_literal
from hwq.backends.verilog.ops.kernel import Operand, Output, Register, Sums
from hwq.fixed import FixedType
from hwq.passes.stages import KernelTiming
from hwq.scalar import Program, ternary
from hwq.scalar.excess import Term, Word, add_terms, check_excess, excess_form, passthrough


def program_sums(program: Program, x_type: FixedType, acc: FixedType, src: str, dst: str,
                 labels: list[str] | None = None, timing: KernelTiming | None = None, adders: str = "binary") -> Sums:
    """Output j (element j of `dst`, acc.width bits) = program output j; input port i is element i of `src`.
    `timing`: the stage of each step (registers between them), or None: all combinational. `adders`: "binary"
    (every add a `+` of two words) or "ternary" (adds fused three words at a time into hwq_add3, hwq.scalar.ternary)."""
    if adders not in ADDERS:
        raise ValueError(f"adders={adders!r}: choose one of {', '.join(ADDERS)}")
    words = excess_form(program)
    check_excess(program, words)
    fused = ternary.plan(program, words, timing.steps if timing is not None else None) if adders == "ternary" else {}
    absorbed = set(fused.values())
    names = {k: (f"x{s.attrs[0]}" if s.op == "input" else f"s{k}") for k, s in enumerate(program.steps)
             if words.get(k, Word(0, 0, 0, 0)).width and k not in absorbed}

    def wire(k: int, stage: int) -> tuple[str, bool]:
        """Step k as read in `stage` (the wire itself, or its register copy that many stages later), and whether
        it holds the word complemented (every sum does: see _STORED_COMPLEMENTED)."""
        delay = 0 if timing is None else stage - timing.steps[k]
        name = names[k] if delay == 0 else f"{names[k]}_d{delay}"
        return name, program.steps[k].op in _STORED_COMPLEMENTED and k not in fused

    wires = []
    for k in sorted(names):
        s = program.steps[k]
        at = timing.steps[k] if timing is not None else 0  # the operands as this step's stage sees them
        width = words[k].width
        if s.op == "input":
            port = s.attrs[0]
            expr = _flipped(Bits.of_element(src, port, x_type.width), width, s.signed)
            note = (labels[port] if labels else f"x[{port}]") + (", its sign bit flipped" if s.signed else "")
        elif k in fused:
            layout = ternary.layout(program, k, fused[k], words)
            ternary.check_layout(layout, words, f"step {k}")
            wires.append(Operand(names[k], None, "three words in one carry chain", width, False,
                                 instance=_add3_lines(names[k], layout, words, partial(wire, stage=at))))
            continue
        else:
            expr = _sum_expr(add_terms(program, k, words) if s.op == "add" else [Term(s.args[0], 0, True)],
                             words, partial(wire, stage=at), width)
            expr, note = f"~({expr})", ""  # every word in expr is `width` bits: no extension to invert
        wires.append(Operand(names[k], expr, note, width, False))
    outputs = []
    for j, out in enumerate(program.outputs):
        target = element(dst, j, acc.width)
        if out.step is None:
            outputs.append(Output(target, [f"{acc.width}'d0"]))
            continue
        stage = timing.output if timing is not None else 0
        word = _word(Term(out.step, out.shift, False), words, partial(wire, stage=stage), acc.width) \
            if out.step in names else None
        offset = (words[out.step].offset << out.shift) % (1 << acc.width)
        parts = [p for p in (word, unsigned_literal(offset, acc.width) if offset else None) if p]
        outputs.append(Output(target, [" + ".join(parts) or f"{acc.width}'d0"]))
    return Sums(acc.width, wires, outputs, _registers(words, names, timing))


ADDERS = ("binary", "ternary")

# A sum's wire holds its word complemented, and each reader complements it again (or, to subtract, reads it as
# it is): an inversion between two adders keeps Yosys' alumacc from merging them into one multi-operand $macc,
# whose compressor tree ignores that the narrower word is zero above its top bit. Measured with Yosys 0.23
# synth_xilinx: three chained adds of 8, 4 and 4-bit words took 16 LUTs this way and 27 without the inversions;
# the inversions themselves cost none (folded into the LUTs in front of the carry chains).
_STORED_COMPLEMENTED = ("add", "neg")


def _add3_lines(name: str, layout: ternary.Add3, words: dict[int, Word], read) -> list[str]:
    """hwq_add3 summing the layout's three words into the bits of `name` above its low ones, and the low ones
    (the lowest word's alone) assigned as wires."""
    low, high = layout.low, layout.width - layout.low
    ports, masks = [], []
    for t in layout.terms:
        stored = read(t.step)[1]
        drop, shift = (low - t.shift, 0) if t.shift < low else (0, t.shift - low)
        ports.append(_word(Term(t.step, shift, stored), words, read, high, drop) or f"{high}'d0")
        kept = min(words[t.step].width - drop, high - shift)
        masks.append(((1 << kept) - 1) << shift if t.complement != stored and kept > 0 else 0)
    params = f".W({high}), .L({layout.luts})" + "".join(
        f", .N{p}({high}'h{m:x})" for p, m in zip("ABC", masks, strict=True) if m)
    target = name if not low else f"{name}[{layout.width - 1}:{low}]"
    lines = [f"hwq_add3 #({params}) {name}_add (.a({ports[0]}), .b({ports[1]}), .c({ports[2]}), .y({target}));"]
    if low:
        lowest = min(layout.terms, key=lambda t: t.shift)
        bits = _word(lowest, words, read, low) or f"{low}'d0"
        lines.append(f"assign {name}[{low - 1}:0] = {bits};")
    return lines


def _flipped(element_bits: Bits, width: int, signed: bool) -> str:
    """The low `width` bits of an input element, plus 2^(width-1) when signed (its top bit inverted)."""
    if not signed:
        return element_bits.low(width)
    top = f"~{element_bits.name}[{element_bits.lo + width - 1}]"
    return f"{{{top}}}" if width == 1 else f"{{{top}, {element_bits.low(width - 1)}}}"


def _word(t: Term, words: dict[int, Word], read, to: int, drop: int = 0) -> str | None:
    """(the term's word >> drop) << shift, modulo 2^to, as a to-bit word (zero-extended); None when it is 0.
    `read(step)` is (the wire's name, whether the wire holds the word complemented)."""
    name, stored_complemented = read(t.step)
    complement = t.complement != stored_complemented
    w = words[t.step].width - drop
    if w <= 0 or t.shift >= to:
        return None
    keep = min(w, to - t.shift)
    bits = Bits(name, drop, keep, whole=drop == 0 and keep == w)
    base = bits.low(keep)
    parts = [f"{to - keep - t.shift}'d0"] if keep + t.shift < to else []
    parts.append(f"~{base}" if complement else base)
    if t.shift:
        parts.append(f"{t.shift}'d0")
    return parts[0] if len(parts) == 1 and not complement else "{" + ", ".join(parts) + "}"


def _sum_expr(terms: list[Term], words: dict[int, Word], read, width: int) -> str:
    """The sum of the terms' words as a width-bit word. In a + (b << s) the sum's low s bits are a's: they pass
    through, and only the bits above them are added: {(a >> s) + b, a[s-1:0]}."""
    if len(terms) == 1:
        return _word(terms[0], words, read, width) or f"{width}'d0"
    first, second = terms
    cut = passthrough(terms, width)
    if cut:
        high = width - cut
        top = _word(first, words, read, high, drop=cut)
        low = _word(first, words, read, cut) or f"{cut}'d0"
        add = _word(Term(second.step, 0, second.complement), words, read, high)
        upper = " + ".join(p for p in (top, add) if p) or f"{high}'d0"
        return f"{{{upper}, {low}}}"
    return " + ".join(p for p in (_word(first, words, read, width), _word(second, words, read, width)) if p) \
        or f"{width}'d0"


def _registers(words: dict[int, Word], names: dict[int, str], timing: KernelTiming | None) -> list[Register]:
    """The copies of each word read in later stages: `<step>_d1` loads the step, `_d2` loads `_d1`, ..."""
    if timing is None:
        return []
    registers = []
    for k in sorted(names):
        for delay in range(1, timing.reads[k] - timing.steps[k] + 1):
            source = names[k] if delay == 1 else f"{names[k]}_d{delay - 1}"
            registers.append(Register(f"{names[k]}_d{delay}", source, words[k].width, False))
    return registers
