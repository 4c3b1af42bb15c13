"""scale: times a power of two, exactly: the mantissas stay, the binary point moves (Keras' Average)."""

from __future__ import annotations

from hwq.fixed import FixedType, Interval
from hwq.fixed.carrier import as_carrier
from hwq.ir.op import IRError, Op, carrier, register


@register
class Scale(Op):
    name = "scale"
    attrs = ("exponent",)
    doc = "y = x * 2**exponent: the same mantissas, `exponent` more integer bits (fewer if negative)"

    def bound(self, node, inputs):
        return Interval.of_type(inputs[0].type).scaled(self._exponent(node))

    def infer_type(self, node, inputs):
        t = inputs[0].type
        return FixedType(t.width, t.integer + self._exponent(node), t.signed)

    def check(self, node, inputs):
        want = self.infer_type(node, inputs)
        got = node.output.type
        if (got.width, got.integer, got.signed) != (want.width, want.integer, want.signed):
            raise IRError(f"node {node.name!r} (scale): the output type must be {want}: the input's mantissas "
                          f"with the binary point moved by {self._exponent(node)}, not {got}")

    def evaluate(self, node, xs, types):
        return as_carrier(xs[0], carrier(node.output.type))

    @staticmethod
    def _exponent(node) -> int:
        e = node.attrs["exponent"]
        if not isinstance(e, int):
            raise IRError(f"node {node.name!r} (scale): exponent {e!r} must be an integer")
        return e
