"""A kernel node's shift-add program (hwq.cmvm) as Verilog: one wire per step, each exactly as wide as its
proven range, one line each; then each output element assigned its step, shifted and extended to the
accumulator. Each operand of a step is its source shifted and sign- or zero-extended (or cut) to the step's
width, so every sum is formed modulo 2^width: exact, because the step's range fits that width."""

from __future__ import annotations

from hwq.backends.verilog.expr import Bits, aligned, element, extend, unsigned_literal
from hwq.backends.verilog.ops.kernel import Operand, Output, Sums
from hwq.fixed import FixedType
from hwq.scalar import Program
from hwq.scalar.program import passthrough_bits


def program_sums(program: Program, x_type: FixedType, acc: FixedType, src: str, dst: str,
                 labels: list[str] | None = None) -> Sums:
    """Output j (element j of `dst`, acc.width bits) = program output j; input port i is element i of `src`."""
    live = _live(program)
    names = {k: (f"x{s.attrs[0]}" if s.op == "input" else f"s{k}") for k, s in enumerate(program.steps) if k in live}

    def operand(k: int, shift: int, width: int) -> str:
        """Step k times 2^shift as a width-bit word (modulo 2^width)."""
        s = program.steps[k]
        word = aligned(Bits.wire(names[k], s.width), s.signed, shift, width)
        return f"{width}'d0" if word is None else word

    wires = []
    for k in sorted(live):
        s = program.steps[k]
        if s.op == "input":
            port = s.attrs[0]
            expr = Bits.of_element(src, port, x_type.width).low(x_type.width)
            note = labels[port] if labels else f"x[{port}]"
        elif s.op == "const":
            expr, note = unsigned_literal(s.attrs[0], s.width), ""
        elif s.op == "neg":
            expr, note = f"-{operand(s.args[0], 0, s.width)}", ""
        elif s.op == "add":
            expr, note = add_expr(program, k, names, operand), ""
        else:
            raise ValueError(f"step {k}: {s.op} has no Verilog form in a kernel's program")
        wires.append(Operand(names[k], expr, note, s.width, s.signed))
    outputs = []
    for j, out in enumerate(program.outputs):
        target = element(dst, j, acc.width)
        if out.step is None:
            outputs.append(Output(target, [f"{acc.width}'sd0"]))
        else:
            outputs.append(Output(target, [operand(out.step, out.shift, acc.width)]))
    return Sums(acc.width, wires, outputs)


def add_expr(program: Program, k: int, names: dict[int, str], operand) -> str:
    """a + (b << s) passes a's low s bits through (no adder below the shift) and adds only above them:
    {(a >>> s) + b, a[s-1:0]}. Any other add is one sum at the step's width."""
    s = program.steps[k]
    (a, b), (sa, sb, na, nb) = s.args, s.attrs
    if passthrough_bits(s):
        x = program.steps[a]
        high = s.width - sb
        above = Bits(names[a], sb, x.width - sb, whole=False) if x.width > sb else None
        if above is None:  # a lies below the shift: a >>> s is its sign (or 0)
            top = extend(Bits(names[a], x.width - 1, 1), x.signed, high) if x.signed else f"{high}'d0"
        else:
            top = extend(above, x.signed, high)
        low = Bits.wire(names[a], x.width).low(sb) if x.width >= sb else extend(Bits.wire(names[a], x.width),
                                                                                  x.signed, sb)
        return f"{{{top} {'-' if nb else '+'} {operand(b, 0, high)}, {low}}}"
    first, second = operand(a, sa, s.width), operand(b, sb, s.width)
    return f"{'-' if na else ''}{first} {'-' if nb else '+'} {second}"


def _live(program: Program) -> set[int]:
    """The steps some output needs."""
    live: set[int] = set()
    stack = [o.step for o in program.outputs if o.step is not None]
    while stack:
        k = stack.pop()
        if k not in live:
            live.add(k)
            stack.extend(program.steps[k].args)
    return live
