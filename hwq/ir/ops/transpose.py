"""transpose: the axes of a value permuted (Keras' Permute)."""

from __future__ import annotations

from hwq.ir.op import IRError, register
from hwq.ir.ops.movement import Movement


@register
class Transpose(Movement):
    name = "transpose"
    attrs = ("perm",)
    doc = "y[i_perm[0], i_perm[1], ...] = x[i0, i1, ...]: output axis k is input axis perm[k] (batch not counted)"

    def infer_shape(self, node, inputs):
        perm, shape = node.attrs["perm"], inputs[0].shape
        if not isinstance(perm, list | tuple) or sorted(perm) != list(range(len(shape))):
            raise IRError(f"node {node.name!r} (transpose): perm {perm!r} is not a permutation of the "
                          f"{len(shape)} axes of {shape}")
        return tuple(shape[a] for a in perm)

    def evaluate(self, node, xs, types):
        x = xs[0]
        return x.transpose((*node.attrs["perm"], x.ndim - 1))
