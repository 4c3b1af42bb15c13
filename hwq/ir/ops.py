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
    "table": OpSpec(1, ("table",), (), ("index_shift", "index_lo", "index_hi"),
                    "y = table[clip(x_mantissa >> index_shift, index_lo, index_hi) - index_lo], elementwise"),
}

MULTIPLIER_KINDS = ("mult", "barrel", "mux", "xor", "and", "adder")
SHIFT_KINDS = ("barrel", "mux", "xor", "and")  # every weight 0 or +-2^e: shifts and negations, no multiplier


def _powers_of_two(kernel) -> bool:
    return all(v & (v - 1) == 0 for v in (abs(int(m)) for m in kernel.mantissa.ravel()))


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
        if node.attrs["multiplier"] in SHIFT_KINDS and not _powers_of_two(node.params["kernel"]):
            raise IRError(f"node {node.name!r}: multiplier kind {node.attrs['multiplier']!r} needs every weight "
                          "to be 0 or a signed power of two, and the kernel has other values")
    if node.op == "table":
        _check_table(node, value_types[node.inputs[0]])


def _check_table(node, x_type: FixedType) -> None:
    """The clamp range must index the table exactly and lie within the shifted input range."""
    s, lo, hi = (node.attrs[a] for a in ("index_shift", "index_lo", "index_hi"))
    table = node.params["table"]
    if not all(isinstance(v, int) for v in (s, lo, hi)) or s < 0 or lo > hi:
        raise IRError(f"node {node.name!r}: index_shift {s!r} must be >= 0 and index_lo {lo!r} <= index_hi {hi!r}")
    if not (x_type.min_mantissa >> s) <= lo <= hi <= (x_type.max_mantissa >> s):
        raise IRError(f"node {node.name!r}: index range [{lo}, {hi}] lies outside the input's "
                      f"[{x_type.min_mantissa >> s}, {x_type.max_mantissa >> s}] after a shift by {s}")
    if table.shape != (hi - lo + 1,):
        raise IRError(f"node {node.name!r}: table shape {table.shape} does not match the index range "
                      f"[{lo}, {hi}] ({hi - lo + 1} entries)")
    if table.type != node.output.type:
        raise IRError(f"node {node.name!r}: a table node's output carries its table's type "
                      f"({table.type}, not {node.output.type})")
