"""What the constant-kernel ops (dense, conv) share: a weighted sum of inputs, exact in an accumulator.

Each output is bias[j] + a sum of products of inputs by constant weights; the op says which kernel
column serves each output (columns()) and how many products it computes (op_count()). The rest — the
interval bound, the accumulator annotations, the multiplier kind's rules — is the same for both.
"""

from __future__ import annotations

import numpy as np

from hwq.fixed import DotBounds, FixedType, Interval, dot_bounds
from hwq.fixed.carrier import as_carrier, fastest_carrier
from hwq.fixed.integers import all_powers_of_two
from hwq.ir.op import IRError, Op, carrier
from hwq.ir.tensor import IntTensor

MULTIPLIER_KINDS = ("mult", "barrel", "mux", "xor", "and", "adder")
# how the constant products are formed (the optional "constants" setting, written by emit's passes):
# "direct" as sums of constant products left to the tool, "shift_add" as shared shift-add graphs (hwq.cmvm)
CONSTANT_FORMS = ("direct", "shift_add")
KERNEL_OPS = frozenset({"dense", "conv", "affine"})  # the ops on this base: a constant matrix per position
SHIFT_KINDS = ("barrel", "mux", "xor", "and")  # every weight 0 or +-2^e: shifts and negations, no multiplier


class KernelOp(Op):
    params = ("kernel",)
    optional_params = ("bias",)
    annotations = ("accumulator", "magnitude_bits", "op_count", "multiplier")  # multiplier: choose_multipliers

    def columns(self, node) -> np.ndarray:
        """The kernel as (products per output, outputs): column j holds output channel j's weights."""
        kernel = node.params["kernel"].mantissa
        return kernel.reshape(-1, kernel.shape[-1])

    def op_count(self, node) -> int:
        raise NotImplementedError

    def position_matrix(self, node) -> np.ndarray:
        """The kernel mantissas as one constant matrix (inputs one position reads, outputs of that position):
        what a backend multiplies a pixel, a window or a row of the last axis by."""
        kernel = node.params["kernel"].mantissa
        return kernel.reshape(-1, kernel.shape[-1])

    def bounds(self, x: FixedType, node) -> DotBounds:
        kernel, bias = node.params["kernel"], node.params.get("bias")
        return dot_bounds(Interval.of_type(x), self.columns(node), kernel.type.frac,
                          None if bias is None else bias.mantissa, 0 if bias is None else bias.type.frac)

    def bound(self, node, inputs):
        return self.bounds(inputs[0].type, node).interval

    def sum_carrier(self, node, x_type: FixedType) -> np.dtype:
        """The fastest carrier holding the input and every partial sum on the accumulator's grid exactly, in any
        summation order (so BLAS may reorder): magnitude_bits bounds them on the products' grid."""
        kernel, bias = node.params["kernel"], node.params.get("bias")
        grid = x_type.frac + kernel.type.frac if bias is None else max(x_type.frac + kernel.type.frac, bias.type.frac)
        bits = node.attrs["magnitude_bits"] + max(0, node.output.type.frac - grid)
        return fastest_carrier(max(bits, x_type.width))

    @staticmethod
    def sum_result(y: np.ndarray, acc: FixedType) -> np.ndarray:
        """The sums as the next node reads them: kept in their float carrier, which the proven bound chose (it may
        be narrower than the accumulator type's own, a 24-bit type's values below 2**23 in float32), else in
        the accumulator type's carrier."""
        return y if y.dtype.kind == "f" else as_carrier(y, carrier(acc))

    def annotate(self, node, inputs):
        node.attrs["accumulator"] = node.output.type
        node.attrs["magnitude_bits"] = self.bounds(inputs[0].type, node).magnitude_bits
        node.attrs["op_count"] = int(self.op_count(node))

    def check(self, node, inputs):
        if node.attrs["accumulator"] != node.output.type:
            raise IRError(f"node {node.name!r}: a {node.op} node's output carries its accumulator type")
        if node.attrs.get("constants", "direct") not in CONSTANT_FORMS:
            raise IRError(f"node {node.name!r}: constants {node.attrs['constants']!r} not in {CONSTANT_FORMS}")
        kind = node.attrs["multiplier"]
        if kind not in MULTIPLIER_KINDS:
            raise IRError(f"node {node.name!r}: multiplier kind {kind!r} not in {MULTIPLIER_KINDS}")
        if kind in SHIFT_KINDS and not all_powers_of_two(node.params["kernel"].mantissa.ravel()):
            raise IRError(f"node {node.name!r}: multiplier kind {kind!r} needs every weight "
                          "to be 0 or a signed power of two, and the kernel has other values")
        need = self.bounds(inputs[0].type, node).magnitude_bits
        if not isinstance(node.attrs["magnitude_bits"], int) or node.attrs["magnitude_bits"] < need:
            raise IRError(f"node {node.name!r}: magnitude_bits {node.attrs['magnitude_bits']!r} is below the "
                          f"proven bound {need} on its partial sums")

    @staticmethod
    def check_bias(node, outputs: int) -> None:
        bias = node.params.get("bias")
        if bias is not None and bias.shape != (outputs,):
            raise IRError(f"node {node.name!r} ({node.op}): bias {bias.shape} does not match {outputs} outputs "
                          f"(kernel {node.params['kernel'].shape})")


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


def position_matrix(node) -> np.ndarray:
    """A dense, conv or affine node's constant matrix over one position (KernelOp.position_matrix)."""
    from hwq.ir.op import get_op

    return get_op(node.op).position_matrix(node)
