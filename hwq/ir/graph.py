"""Graph: inputs, nodes in topological order, outputs. The boundary every backend reads."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hwq.ir.node import Node
from hwq.ir.ops import IRError, check_node
from hwq.ir.value import Value


@dataclass
class Graph:
    name: str
    inputs: list[Value]
    nodes: list[Node]
    outputs: list[str]
    meta: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Value]:
        vals = {v.name: v for v in self.inputs}
        vals.update({n.output.name: n.output for n in self.nodes})
        return vals

    def value(self, name: str) -> Value:
        try:
            return self.values()[name]
        except KeyError:
            raise KeyError(f"graph {self.name!r} has no value {name!r}") from None

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"graph {self.name!r} has no node {name!r}")

    @property
    def input(self) -> Value:
        if len(self.inputs) != 1:
            raise IRError(f"graph {self.name!r} has {len(self.inputs)} inputs, not one")
        return self.inputs[0]

    @property
    def output(self) -> Value:
        if len(self.outputs) != 1:
            raise IRError(f"graph {self.name!r} has {len(self.outputs)} outputs, not one")
        return self.value(self.outputs[0])

    def validate(self) -> Graph:
        types = {v.name: v.type for v in self.inputs}
        names: set[str] = set(types)
        for label in [self.name, *names]:
            _check_identifier(label)
        for n in self.nodes:
            check_node(n, types)
            for label in (n.name, n.output.name):
                _check_identifier(label)
            if n.output.name in names:
                raise IRError(f"value {n.output.name!r} is defined twice")
            names.add(n.output.name)
            types[n.output.name] = n.output.type
        for o in self.outputs:
            if o not in types:
                raise IRError(f"output {o!r} is not defined by any node")
        return self

    def simulate(self, x: np.ndarray) -> np.ndarray:
        """Bit-exact model of the graph: float inputs in, float64 output values out."""
        from hwq.sim import simulate

        return simulate(self, x)

    def summary(self) -> str:
        from hwq.ir.summary import summary

        return summary(self)

    def to_dict(self) -> dict:
        return {"format": "hwq-ir", "version": 1, "name": self.name,
                "inputs": [v.to_dict() for v in self.inputs],
                "nodes": [n.to_dict() for n in self.nodes],
                "outputs": list(self.outputs), "meta": self.meta}

    @classmethod
    def from_dict(cls, d: dict) -> Graph:
        if d.get("format") != "hwq-ir":
            raise IRError("not an hwq IR document (missing format: hwq-ir)")
        return cls(d["name"], [Value.from_dict(v) for v in d["inputs"]],
                   [Node.from_dict(n) for n in d["nodes"]], list(d["outputs"]), dict(d.get("meta", {})))

    def to_json(self, path: str | Path | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=1)
        if path is not None:
            Path(path).write_text(text)
        return text

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> Graph:
        text = str(text_or_path)
        if not text.lstrip().startswith("{"):
            text = Path(text_or_path).read_text()
        return cls.from_dict(json.loads(text)).validate()


def _check_identifier(label: str) -> None:
    """Names reach C++ and Verilog as they are: ASCII identifiers only (hwq.ir.legal_identifier makes them)."""
    if not (label.isascii() and label.isidentifier()):
        raise IRError(f"{label!r} is not a legal ASCII identifier; build names with hwq.ir.legal_identifier")
