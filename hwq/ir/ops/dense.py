"""dense: y[..., j] = bias[j] + sum_i x[..., i] * kernel[i, j], exact in the accumulator type."""

from __future__ import annotations

import numpy as np

from hwq.fixed import DotBounds, FixedType, Interval, dot_bounds
from hwq.fixed.carrier import as_carrier, fastest_carrier, shift_left
from hwq.fixed.integers import all_powers_of_two
from hwq.ir.op import IRError, Op, carrier, register
from hwq.ir.tensor import IntTensor

MULTIPLIER_KINDS = ("mult", "barrel", "mux", "xor", "and", "adder")
SHIFT_KINDS = ("barrel", "mux", "xor", "and")  # every weight 0 or +-2^e: shifts and negations, no multiplier


def dense_bounds(x: FixedType, node) -> DotBounds:
    kernel, bias = node.params["kernel"], node.params.get("bias")
    return dot_bounds(Interval.of_type(x), kernel.mantissa, kernel.type.frac,
                      None if bias is None else bias.mantissa, 0 if bias is None else bias.type.frac)


@register
class Dense(Op):
    name = "dense"
    params = ("kernel",)
    optional_params = ("bias",)
    annotations = ("accumulator", "magnitude_bits", "op_count", "multiplier")  # multiplier: choose_multipliers
    doc = "y[..., j] = bias[j] + sum_i x[..., i] * kernel[i, j] over the last axis, exact in the accumulator type"

    def infer_shape(self, node, inputs):
        x, kernel = inputs[0], node.params["kernel"]
        if len(kernel.shape) != 2 or not x.shape or x.shape[-1] != kernel.shape[0]:
            raise IRError(f"node {node.name!r} (dense): kernel {kernel.shape} does not fit input shape {x.shape}")
        bias = node.params.get("bias")
        if bias is not None and bias.shape != (kernel.shape[1],):
            raise IRError(f"node {node.name!r} (dense): bias {bias.shape} does not match kernel {kernel.shape}")
        return (*x.shape[:-1], kernel.shape[1])

    def bound(self, node, inputs):
        return dense_bounds(inputs[0].type, node).interval

    def annotate(self, node, inputs):
        b = dense_bounds(inputs[0].type, node)
        kernel = node.params["kernel"]
        node.attrs["accumulator"] = node.output.type
        node.attrs["magnitude_bits"] = b.magnitude_bits
        rows = node.output.size // max(kernel.shape[1], 1)
        node.attrs["op_count"] = int(kernel.shape[0] * kernel.shape[1] * rows)

    def check(self, node, inputs):
        if node.attrs["accumulator"] != node.output.type:
            raise IRError(f"node {node.name!r}: a dense node's output carries its accumulator type")
        kind = node.attrs["multiplier"]
        if kind not in MULTIPLIER_KINDS:
            raise IRError(f"node {node.name!r}: multiplier kind {kind!r} not in {MULTIPLIER_KINDS}")
        if kind in SHIFT_KINDS and not all_powers_of_two(node.params["kernel"].mantissa.ravel()):
            raise IRError(f"node {node.name!r}: multiplier kind {kind!r} needs every weight "
                          "to be 0 or a signed power of two, and the kernel has other values")
        need = dense_bounds(inputs[0].type, node).magnitude_bits
        if not isinstance(node.attrs["magnitude_bits"], int) or node.attrs["magnitude_bits"] < need:
            raise IRError(f"node {node.name!r}: magnitude_bits {node.attrs['magnitude_bits']!r} is below the "
                          f"proven bound {need} on its partial sums")

    def evaluate(self, node, xs, types):
        (x,), (x_type,) = xs, types
        acc = node.output.type
        kernel = node.params["kernel"]
        # magnitude_bits bounds every partial sum in any summation order, so BLAS in a float carrier is exact
        dtype = fastest_carrier(max(node.attrs["magnitude_bits"], acc.width, x_type.width))
        k = shift_left(as_carrier(kernel.mantissa.T, dtype), acc.frac - x_type.frac - kernel.type.frac)
        y = k @ as_carrier(x, dtype)  # (n_out, n_in) @ (*lead, n_in, batch) -> (*lead, n_out, batch)
        if "bias" in node.params:
            b = node.params["bias"]
            y += shift_left(as_carrier(b.mantissa, dtype), acc.frac - b.type.frac)[:, None]
        return as_carrier(y, carrier(acc))


def multiplier_kind(kernel: IntTensor) -> str:
    """The unit that multiplies an input by these weights (qtools' names): 'xor' when every weight is +-c
    (one power of two c: a negation and a fixed shift), 'mux' when they are 0 or +-c, 'barrel' when every
    nonzero weight is a signed power of two, else a full multiplier, 'mult'."""
    m = np.abs(np.asarray(kernel.mantissa, dtype=object).ravel())
    nonzero = {int(v) for v in m if v != 0}
    if not nonzero or not all_powers_of_two(nonzero):
        return "mult"
    if len(nonzero) == 1:
        return "mux" if 0 in set(m.tolist()) else "xor"
    return "barrel"
