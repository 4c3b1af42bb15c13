"""The operations the IR knows, and what each node of that kind must carry."""

from __future__ import annotations

from dataclasses import dataclass

from hwq.fixed import FixedType


@dataclass(frozen=True)
class OpSpec:
    inputs: int
    params: tuple[str, ...] = ()
    optional_params: tuple[str, ...] = ()
    attrs: tuple[str, ...] = ()
    doc: str = ""


OPS: dict[str, OpSpec] = {
    "dense": OpSpec(1, ("kernel",), ("bias",), ("accumulator", "multiplier"),
                    "y[j] = bias[j] + sum_i x[i] * kernel[i, j], exact in the accumulator type"),
    "quantize": OpSpec(1, doc="cast to the output type with its rounding and overflow"),
    "relu": OpSpec(1, doc="max(x, 0), exact"),
}

MULTIPLIER_KINDS = ("mult", "barrel", "mux", "xor", "and", "adder")


class IRError(ValueError):
    """A graph that breaks an IR rule."""


def check_node(node, value_types: dict[str, FixedType]) -> None:
    spec = OPS.get(node.op)
    if spec is None:
        raise IRError(f"node {node.name!r}: unknown op {node.op!r}; the IR knows {', '.join(sorted(OPS))}")
    if len(node.inputs) != spec.inputs:
        raise IRError(f"node {node.name!r} ({node.op}) takes {spec.inputs} input(s), got {len(node.inputs)}")
    for name in node.inputs:
        if name not in value_types:
            raise IRError(f"node {node.name!r} reads {name!r}, which no earlier node or input defines")
    for p in spec.params:
        if p not in node.params:
            raise IRError(f"node {node.name!r} ({node.op}) lacks parameter {p!r}")
    for p in node.params:
        if p not in spec.params + spec.optional_params:
            raise IRError(f"node {node.name!r} ({node.op}) has unexpected parameter {p!r}")
    for a in spec.attrs:
        if a not in node.attrs:
            raise IRError(f"node {node.name!r} ({node.op}) lacks attribute {a!r} (run the analysis passes)")
    if node.op == "dense":
        if node.attrs["accumulator"] != node.output.type:
            raise IRError(f"node {node.name!r}: a dense node's output carries its accumulator type")
        if node.attrs["multiplier"] not in MULTIPLIER_KINDS:
            raise IRError(f"node {node.name!r}: multiplier kind {node.attrs['multiplier']!r} not in {MULTIPLIER_KINDS}")
