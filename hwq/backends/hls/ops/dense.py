"""dense over the last axis: y[..., j] = bias[j] + sum_i x[..., i] * w[i][j], in the accumulator type.

The accumulator is the output type, proven (hwq.fixed.intervals) to hold every partial sum when the
bias comes first, so `+=` never rounds or overflows. Leading axes are loops around the product.
Weights that are all 0 or +-2^e (the shift multiplier kinds) become shifts and sign tests: no multiplier.
"""

from __future__ import annotations

from hwq.backends.hls.loops import index_vars, subscript
from hwq.backends.hls.ops.context import PrintContext, Printed, label, op_template
from hwq.fixed import FixedType, Interval
from hwq.ir import SHIFT_KINDS, IntTensor, Node, Value


def print_dense(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    lead = x.shape[:-1]
    n_in, n_out = x.shape[-1], node.output.shape[-1]
    rows = subscript(index_vars(len(lead)))
    fields = {"init": ctx.loops((*lead, n_out), [*index_vars(len(lead)), "j"]),
              "acc": ctx.loops((*lead, n_in, n_out), [*index_vars(len(lead)), "i", "j"]),
              "y": f"{ctx.array(node.output)}{rows}[j]", "x": f"{ctx.array(x)}{rows}[i]", "start": "0"}
    params = []
    if "bias" in node.params:
        bias = ctx.param(node, "bias")
        params.append(bias)
        fields["start"] = f"{bias.name}[j]"
    shifted = node.attrs["multiplier"] in SHIFT_KINDS  # the IR checked these kinds' weights are all 0 or +-2^e
    if shifted:
        params += _shift_terms(ctx, node, x.type, fields)
    else:
        kernel = ctx.param(node, "kernel")
        params.append(kernel)
        fields["kernel"] = kernel.name
    template = op_template("dense_shift" if shifted else "dense")
    return Printed(template, _comment(ctx, node, x, lead, shifted), fields, params)


def _shift_terms(ctx: PrintContext, node: Node, x: FixedType, fields: dict) -> list:
    """Sign and exponent arrays: acc += sign * (term_t(x) << e), where term_t holds x and every x * 2^e."""
    kernel: IntTensor = node.params["kernel"]
    m = kernel.mantissa.reshape(kernel.shape[0], -1)
    acc: FixedType = node.attrs["accumulator"]
    exps = [[abs(int(v)).bit_length() - 1 - kernel.type.frac if v else 0 for v in row] for row in m]
    signs = [[(int(v) > 0) - (int(v) < 0) for v in row] for row in m]
    # a right shift (e < 0) keeps every bit: the accumulator has the product's fraction bits, x.frac - e or more
    frac = max(acc.frac, x.frac)
    top = max(e for row in exps for e in row)
    terms = Interval.of_type(x).hull(Interval.of_type(x).scaled(max(top, 0))).at(frac)
    note = f"{label(node)}'s inputs, exactly, and every input shifted by a weight's exponent"
    fields["term_type"] = ctx.typedef(f"{label(node)}_term", terms.fitting_type(), note)
    e_bits = max(2, max(max(abs(e) for row in exps for e in row), 1).bit_length() + 1)
    sign, shift = ctx.int_param(node, "sign", signs, 2), ctx.int_param(node, "shift", exps, e_bits)
    fields["sign"], fields["shift"] = sign.name, shift.name
    return [sign, shift]


def _comment(ctx: PrintContext, node: Node, x: Value, lead: tuple[int, ...], shifted: bool) -> str:
    n_in, n_out = x.shape[-1], node.output.shape[-1]
    rows = f" for each of {' x '.join(map(str, lead))} rows" if lead else ""
    acc = ctx.spell(node.attrs["accumulator"])
    if shifted:
        return (f"dense {n_in} -> {n_out}{rows} with {node.attrs['multiplier']} weights (each 0 or +-2^e): "
                f"acc += (x[i] << e) or acc -= (x[i] << e) by the weight's sign, in {acc}: no multiplier")
    start = "bias" if "bias" in node.params else "0"
    return (f"dense {n_in} -> {n_out}{rows}: acc = {start}; acc += x[i] * w[i][j] in {acc} "
            f"(proven never to overflow); weights {ctx.spell(node.params['kernel'].type)}")
