"""The shift-add form of a kernel node's constants (node.attrs["constants"] == "shift_add"): the node's scalar
program over one position (hwq.cmvm.kernels.kernel_program, proven exact when built) as one C++ function, which
the dense, affine and conv printers call at every position.

The function reads the position's input elements as integer mantissas (their raw bits), computes one line per
step into the flavour's integer type of exactly the step's width and sign, and stores each output's accumulator
mantissa (the step shifted left) as the raw bits of the accumulator type. Each step is exact: its sum is formed
without loss and then held in a type that its proven range fits. The sum is formed in int64_t (`.to_int64()`
reads) wherever every term stays below 2^62, else in the integer types' own full-precision operators. g++ spends
milliseconds on every line of ap_int or ac_int operators, even unoptimised, and a program has thousands of lines;
on int64_t it spends a fraction of that (templates/hls/functions.cpp.j2 also builds these functions unoptimised
for C simulation). Where int64_t arithmetic is narrowed into its step's type, the HLS tools keep only the low bits
of each adder, which is all that the narrowing reads.
"""

from __future__ import annotations

from hwq.backends.hls.code import CFunction
from hwq.backends.hls.ops.context import PrintContext, Printed, label, op_template
from hwq.cmvm.kernels import kernel_program
from hwq.fixed import FixedType
from hwq.ir import Node
from hwq.scalar import Program, Step

INT64_TERM = 1 << 62  # terms below this in magnitude: a sum of two never leaves int64_t
LITERAL_CHUNK = 62  # a constant past int64_t is built from chunks of this many bits


def uses_shift_add(node: Node) -> bool:
    """Whether the node's constants are printed as its shift-add program (the "constants" setting)."""
    return node.attrs.get("constants", "direct") == "shift_add"


def program_function(ctx: PrintContext, node: Node, x_type: FixedType, n_in: int, x_elem: str,
                     y_elem: str) -> CFunction:
    """`void <node>_shift_add(const x_elem x[n_in], y_elem y[n_out])`: output j of one position (element j of y, its
    accumulator) from the position's inputs (element i of x, of type x_type), as the node's program computes it."""
    program = kernel_program(node, x_type)
    fl = ctx.flavour
    live = program.live()
    names = {k: f"x{s.attrs[0]}" if s.op == "input" else f"s{k}" for k, s in enumerate(program.steps) if k in live}
    lines = list(fl.in_function())
    for k in sorted(live):
        s = program.steps[k]
        t = fl.spell_int(s.width, s.signed)
        if s.op == "input":
            # the input step's range is x_type's: its width and sign are the mantissa's
            lines.append(f"const {t} {names[k]} = {fl.read_mantissa(f'x[{s.attrs[0]}]', x_type.width)};")
        else:
            lines.append(f"const {t} {names[k]} = {_expression(program, k, names, t)};")
    acc = node.output.type
    acc_int = fl.spell_int(acc.width, acc.signed)
    for j, out in enumerate(program.outputs):
        if out.step is None:
            lines.append(f"y[{j}] = 0;")
            continue
        # the accumulator's mantissa, formed in its own width: the proven output range fits it, shifted or not
        value = f"{acc_int}({names[out.step]})" + (f" << {out.shift}" if out.shift else "")
        lines.append(fl.write_mantissa(f"y[{j}]", acc.width, value))
    n_out = len(program.outputs)
    adders = sum(program.steps[k].op == "add" for k in live)
    negations = sum(program.steps[k].op == "neg" for k in live)
    counted = f"{adders} adders" + (f" and {negations} negations" if negations else "")
    comment = [f"{label(node)}'s constants over one position as a shift-add graph (hwq.cmvm): {counted}, each step as",
               f"wide as its proven range. x: {n_in} input mantissas ({ctx.spell(x_type)}); y: {n_out} accumulators "
               f"({ctx.spell(acc)})"]
    params = [f"const {x_elem} x[{n_in}]", f"{y_elem} y[{n_out}]"]
    return CFunction(ctx.namer(f"{label(node)}_shift_add"), comment, params, lines)


def per_row(ctx: PrintContext, node: Node, what: str) -> Printed:
    """dense and affine: the program over each row of the last axis (a row of inputs, a row of outputs), called
    in loops over the leading axes."""
    (x,) = ctx.inputs(node)
    y = node.output
    fn = program_function(ctx, node, x.type, x.shape[-1], ctx.arrays[x.name].type, ctx.arrays[y.name].type)
    lead = x.shape[:-1]
    loops = ctx.loops(lead)
    rows = f" for each of {' x '.join(map(str, lead))} rows" if lead else ""
    comment = f"{what}{rows}: {fn.name}, the constants as shift-adds into the accumulator {ctx.spell(y.type)}"
    call = f"{fn.name}({ctx.array(x)}{loops.index}, {ctx.array(y)}{loops.index})"
    return Printed(op_template("shift_add"), comment, {"loops": loops, "call": call}, functions=[fn])


def _expression(program: Program, k: int, names: dict[int, str], t: str) -> str:
    """Step k's value: exact, and held exactly by its type t (the step's range fits t)."""
    s = program.steps[k]
    if s.op == "const":
        return _literal(s.attrs[0], t)
    steps = program.steps
    if s.op == "neg":
        (a,) = s.args
        return f"-{names[a]}.to_int64()" if _fits(steps[a], 0) else f"-{names[a]}"
    if s.op != "add":
        raise ValueError(f"node program step {k}: {s.op} has no HLS form in a kernel's program")
    (a, b), (sa, sb, na, nb) = s.args, s.attrs
    if _fits(steps[a], sa) and _fits(steps[b], sb):
        first, second = _int64_term(names[a], sa), _int64_term(names[b], sb)
    else:
        # the headers' operators: a shifted operand in t (a << s keeps its left operand's width), the sum at full
        # precision; t holds the result, so the low bits t keeps are the exact result
        first, second = _int_term(names[a], sa, t), _int_term(names[b], sb, t)
    if na and nb:
        return f"-{first} - {second}"
    if na:
        return f"{second} - {first}"
    return f"{first} {'-' if nb else '+'} {second}"


def _fits(step: Step, shift: int) -> bool:
    """Whether step << shift lies within +-2^62, so that int64_t holds it and its sum with another such term."""
    return max(abs(step.lo), abs(step.hi)) << shift < INT64_TERM


def _int64_term(name: str, shift: int) -> str:
    return f"({name}.to_int64() << {shift})" if shift else f"{name}.to_int64()"


def _int_term(name: str, shift: int, t: str) -> str:
    return f"({t}({name}) << {shift})" if shift else name


def _literal(c: int, t: str) -> str:
    """The constant c in type t (which holds it): a C integer literal, or built from 62-bit chunks past int64_t."""
    c = int(c)
    if -(1 << 31) < c < 1 << 31:
        return str(c)
    if -(1 << 63) < c < 1 << 63:
        return f"{c}LL"
    low = c & ((1 << LITERAL_CHUNK) - 1)
    return f"({t}({_literal(c >> LITERAL_CHUNK, t)}) << {LITERAL_CHUNK}) + {low}LL"
