"""Graph: a DAG of nodes over shaped, typed values, with one or more inputs and outputs.

Nodes are kept in topological order (every node reads only graph inputs and earlier nodes'
outputs). This is the boundary every backend reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hwq.ir.node import Node
from hwq.ir.op import IRError
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

    def input_values(self, node: Node) -> list[Value]:
        """The values `node` reads, in order."""
        values = self.values()
        return [values[name] for name in node.inputs]

    def producer(self, value_name: str) -> Node | None:
        """The node that computes a value (None for a graph input)."""
        for n in self.nodes:
            if n.output.name == value_name:
                return n
        return None

    def consumers(self) -> dict[str, list[Node]]:
        """For every value, the nodes that read it (fan-out), in graph order."""
        out: dict[str, list[Node]] = {name: [] for name in self.values()}
        for n in self.nodes:
            for name in dict.fromkeys(n.inputs):
                out[name].append(n)
        return out

    @property
    def output_values(self) -> list[Value]:
        values = self.values()
        return [values[name] for name in self.outputs]

    @property
    def input(self) -> Value:
        """The graph's input, when it has exactly one."""
        if len(self.inputs) != 1:
            raise IRError(f"graph {self.name!r} has {len(self.inputs)} inputs, not one; use graph.inputs")
        return self.inputs[0]

    @property
    def output(self) -> Value:
        """The graph's output, when it has exactly one."""
        if len(self.outputs) != 1:
            raise IRError(f"graph {self.name!r} has {len(self.outputs)} outputs, not one; use graph.output_values")
        return self.value(self.outputs[0])

    def validate(self) -> Graph:
        """Check every IR rule (hwq.ir.verify); return the graph, or raise IRError."""
        from hwq.ir.verify import verify

        verify(self)
        return self

    def simulate(self, x):
        """Bit-exact model of the graph: float inputs in, float64 output values out (see hwq.sim.simulate)."""
        from hwq.sim import simulate

        return simulate(self, x)

    def summary(self, io: str | None = "auto", parallelism: dict[str, int] | None = None,
                pipeline: int | dict[str, int] | None = None, multipliers: str | None = None) -> str:
        """Per node: what it reads, shapes, types, accumulators, multiplier kinds, counts; then how it runs as
        hardware with io ("auto", "parallel", "stream"; None leaves that out) and `parallelism` (multiply-
        accumulates per clock by node name, as emit takes it); `pipeline` and `multipliers` as emit takes them
        (the parallel Verilog top's register stages: latency and adder levels per stage)."""
        from hwq.ir.summary import summary

        return summary(self, io, parallelism, pipeline, multipliers)

    def to_dict(self) -> dict:
        return {"format": "hwq-ir", "version": 2, "name": self.name,
                "inputs": [v.to_dict() for v in self.inputs],
                "nodes": [n.to_dict() for n in self.nodes],
                "outputs": list(self.outputs), "meta": self.meta}

    @classmethod
    def from_dict(cls, d: dict) -> Graph:
        if d.get("format") != "hwq-ir":
            raise IRError("not an hwq IR document (missing format: hwq-ir)")
        if d.get("version", 1) not in (1, 2):
            raise IRError(f"hwq IR version {d.get('version')!r} is newer than this hwq reads (1 or 2)")
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


def as_batch_list(graph: Graph, x, what: str = "inputs") -> list[np.ndarray]:
    """A graph's inputs as a list in graph.inputs order: one array for a one-input graph, or a list,
    tuple or {input name: array} dict."""
    names = [v.name for v in graph.inputs]
    if isinstance(x, dict):
        missing = [n for n in names if n not in x]
        extra = [k for k in x if k not in names]
        if missing or extra:
            raise ValueError(f"graph {graph.name!r} takes {what} named {names}; missing {missing}, unknown {extra}")
        return [x[n] for n in names]
    if isinstance(x, list | tuple):
        if len(x) != len(names):
            raise ValueError(f"graph {graph.name!r} takes {len(names)} {what} ({', '.join(names)}), got {len(x)}")
        return list(x)
    if len(names) != 1:
        raise ValueError(f"graph {graph.name!r} takes {len(names)} {what} ({', '.join(names)}); pass a list or a "
                         "dict of arrays")
    return [x]
