"""A kernel node's shift-add program (hwq.cmvm) as Verilog: one wire per step, each exactly as wide as its
proven range, one line each; then each output element assigned its step, shifted and extended to the
accumulator. Each operand of a step is its source shifted and sign- or zero-extended (or cut) to the step's
width, so every sum is formed modulo 2^width: exact, because the step's range fits that width.

Pipelined (a KernelTiming from hwq.passes.stages): a step read in a later stage than it is computed in is copied
into one register per stage in between (`s7_d1`, `s7_d2`, ...), and each reader takes the copy of its own stage;
the outputs are all read in the node's output stage. Constants are literals in every stage."""

from __future__ import annotations

from functools import partial

from hwq.backends.verilog.expr import Bits, aligned, element, extend, unsigned_literal
from hwq.backends.verilog.ops.kernel import Operand, Output, Register, Sums
from hwq.fixed import FixedType
from hwq.passes.stages import KernelTiming
from hwq.scalar import Program
from hwq.scalar.program import passthrough_bits


def program_sums(program: Program, x_type: FixedType, acc: FixedType, src: str, dst: str,
                 labels: list[str] | None = None, timing: KernelTiming | None = None) -> Sums:
    """Output j (element j of `dst`, acc.width bits) = program output j; input port i is element i of `src`.
    `timing`: the stage of each step (registers between them), or None: all combinational."""
    live = program.live()
    names = {k: (f"x{s.attrs[0]}" if s.op == "input" else f"s{k}") for k, s in enumerate(program.steps) if k in live}

    def wire(k: int, stage: int) -> str:
        """Step k as read in `stage`: the wire itself, or its register copy that many stages later."""
        delay = 0 if timing is None or program.steps[k].op == "const" else stage - timing.steps[k]
        return names[k] if delay == 0 else f"{names[k]}_d{delay}"

    def operand(k: int, shift: int, width: int, stage: int = 0) -> str:
        """Step k times 2^shift as a width-bit word (modulo 2^width), read in `stage`."""
        s = program.steps[k]
        word = aligned(Bits.wire(wire(k, stage), s.width), s.signed, shift, width)
        return f"{width}'d0" if word is None else word

    wires = []
    for k in sorted(live):
        s = program.steps[k]
        at = timing.steps[k] if timing is not None else 0  # the operands as this step's stage sees them
        step_names, step_operand = {a: wire(a, at) for a in s.args}, partial(operand, stage=at)
        if s.op == "input":
            port = s.attrs[0]
            expr = Bits.of_element(src, port, x_type.width).low(x_type.width)
            note = labels[port] if labels else f"x[{port}]"
        elif s.op == "const":
            expr, note = unsigned_literal(s.attrs[0], s.width), ""
        elif s.op == "neg":
            expr, note = f"-{step_operand(s.args[0], 0, s.width)}", ""
        elif s.op == "add":
            expr, note = add_expr(program, k, step_names, step_operand), ""
        else:
            raise ValueError(f"step {k}: {s.op} has no Verilog form in a kernel's program")
        wires.append(Operand(names[k], expr, note, s.width, s.signed))
    outputs = []
    for j, out in enumerate(program.outputs):
        target = element(dst, j, acc.width)
        if out.step is None:
            outputs.append(Output(target, [f"{acc.width}'sd0"]))
        else:
            outputs.append(Output(target, [operand(out.step, out.shift, acc.width,
                                                   timing.output if timing is not None else 0)]))
    return Sums(acc.width, wires, outputs, _registers(program, live, names, timing))


def _registers(program: Program, live: set[int], names: dict[int, str], timing: KernelTiming | None) -> list[Register]:
    """The copies of each step read in later stages: `<step>_d1` loads the step, `_d2` loads `_d1`, ..."""
    if timing is None:
        return []
    registers = []
    for k in sorted(live):
        s = program.steps[k]
        for delay in range(1, timing.reads[k] - timing.steps[k] + 1):
            source = names[k] if delay == 1 else f"{names[k]}_d{delay - 1}"
            registers.append(Register(f"{names[k]}_d{delay}", source, s.width, s.signed))
    return registers


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
