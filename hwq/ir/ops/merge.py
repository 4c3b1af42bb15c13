"""What the elementwise merges (add, subtract, multiply) share: inputs of one shape, no broadcasting."""

from __future__ import annotations

from hwq.ir.op import IRError, Op


class Merge(Op):
    annotations = ("op_count",)

    def annotate(self, node, inputs):
        """One addition (or multiplication) per element and extra operand."""
        node.attrs["op_count"] = node.output.size * (len(inputs) - 1)

    def infer_shape(self, node, inputs):
        if len({v.shape for v in inputs}) > 1:
            raise IRError(f"node {node.name!r} ({node.op}) takes inputs of one shape, got "
                          f"{', '.join(f'{v.name} {v.shape}' for v in inputs)}")
        return inputs[0].shape
