"""Node: one operation of the graph, with its inputs, typed output, attributes and parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hwq.fixed import FixedType
from hwq.ir.tensor import IntTensor
from hwq.ir.value import Value


@dataclass
class Node:
    """`inputs` are Value names; `attrs` hold settings and analysis annotations (JSON-able or FixedType)."""

    name: str
    op: str
    inputs: list[str]
    output: Value
    attrs: dict[str, Any] = field(default_factory=dict)
    params: dict[str, IntTensor] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "op": self.op, "inputs": list(self.inputs),
                "output": self.output.to_dict(),
                "attrs": {k: _attr_to_json(v) for k, v in self.attrs.items()},
                "params": {k: p.to_dict() for k, p in self.params.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> Node:
        return cls(d["name"], d["op"], list(d["inputs"]), Value.from_dict(d["output"]),
                   {k: _attr_from_json(v) for k, v in d["attrs"].items()},
                   {k: IntTensor.from_dict(p) for k, p in d["params"].items()})


def _attr_to_json(v: Any) -> Any:
    from hwq.ir.graph import Graph

    if isinstance(v, FixedType):
        return {"fixed_type": v.to_dict()}
    if isinstance(v, Graph):  # a recurrence's body
        return {"graph": v.to_dict()}
    if isinstance(v, tuple):
        return list(v)
    return v


def _attr_from_json(v: Any) -> Any:
    if isinstance(v, dict) and set(v) == {"fixed_type"}:
        return FixedType.from_dict(v["fixed_type"])
    if isinstance(v, dict) and set(v) == {"graph"}:
        from hwq.ir.graph import Graph

        return Graph.from_dict(v["graph"])
    return v
