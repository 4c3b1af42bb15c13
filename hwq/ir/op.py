"""The op contract: everything the IR knows about one operation, written once.

Each op is one class in hwq/ir/ops/, registered here by name. It declares what its nodes carry
(inputs, parameters, settings, annotations), infers its output's shape and type, proves the
range of its results, checks its own rules and evaluates itself exactly on integer mantissas.
The verifier, the passes and the simulator call these methods; the backends and cost models
keep their own {op name: printer} tables, keyed by the names registered here.

Mantissa arrays are laid out (*shape, batch): the value's shape (without batch) first, the batch
last. Each array is held in the fastest exact carrier of its type (hwq.fixed.carrier).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hwq.fixed import FixedType, Interval
from hwq.fixed.carrier import fastest_carrier

if TYPE_CHECKING:
    from hwq.ir.node import Node
    from hwq.ir.value import Value


class IRError(ValueError):
    """A graph that breaks an IR rule."""


class Op:
    """One operation. Subclasses set the class variables and override what differs."""

    name: ClassVar[str]
    arity: ClassVar[tuple[int, int | None]] = (1, 1)  # fewest and most inputs (None: any number)
    params: ClassVar[tuple[str, ...]] = ()  # integer tensors every node must carry
    optional_params: ClassVar[tuple[str, ...]] = ()
    attrs: ClassVar[tuple[str, ...]] = ()  # settings every node must carry
    annotations: ClassVar[tuple[str, ...]] = ()  # attributes the analysis passes write
    # whether the output type's rounding and overflow modes act (a cast); elsewhere they are inert: an exact
    # op's result is held as it is, and a printer must not let the modes touch it
    casts: ClassVar[bool] = False
    doc: ClassVar[str] = ""

    # -- inference ---------------------------------------------------------------------------------
    def infer_shape(self, node: Node, inputs: list[Value]) -> tuple[int, ...]:
        """The output's shape (batch excluded); elementwise by default."""
        return inputs[0].shape

    def bound(self, node: Node, inputs: list[Value]) -> Interval | None:
        """The proven range of the results, for ops that compute exactly (None: the op rounds or
        looks values up, so its output type is a choice, not a consequence)."""
        return None

    def infer_type(self, node: Node, inputs: list[Value]) -> FixedType | None:
        """The type the op gives its output: the narrowest that holds its bound. None: the builder chooses."""
        b = self.bound(node, inputs)
        return b.fitting_type() if b is not None else None

    def annotate(self, node: Node, inputs: list[Value]) -> None:
        """Write the analysis annotations (accumulator sizes and the like) onto node."""

    # -- rules -------------------------------------------------------------------------------------
    def check(self, node: Node, inputs: list[Value]) -> None:
        """The op's own rules, beyond what the verifier checks for every op; raise IRError."""

    # -- evaluation --------------------------------------------------------------------------------
    def evaluate(self, node: Node, xs: list[np.ndarray], types: list[FixedType]) -> np.ndarray:
        """Exact output mantissas, (*shape, batch), in the carrier of the output type (see carrier())."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<op {self.name}>"


def carrier(t: FixedType) -> np.dtype:
    """The carrier every value of type t is held in: float32, float64, int64 or object."""
    return fastest_carrier(t.width)


OPS: dict[str, Op] = {}


def register(cls: type[Op]) -> type[Op]:
    """Class decorator: make the op known to the IR under cls.name."""
    if cls.name in OPS:
        raise ValueError(f"op {cls.name!r} is registered twice")
    OPS[cls.name] = cls()
    return cls


def get_op(name: str) -> Op:
    try:
        return OPS[name]
    except KeyError:
        raise IRError(f"unknown op {name!r}; the IR knows {', '.join(sorted(OPS))}") from None


def axis_of(node: Node, rank: int) -> int:
    """The node's `axis` attribute as a non-negative axis of a rank-`rank` value (batch excluded)."""
    axis = node.attrs["axis"]
    if not isinstance(axis, int) or not 0 <= axis < rank:
        raise IRError(f"node {node.name!r} ({node.op}): axis {axis!r} must be an integer in [0, {rank}) "
                      "(the batch axis is not counted)")
    return axis
