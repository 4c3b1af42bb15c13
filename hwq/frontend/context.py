"""The state of one lowering: nodes made so far, names taken, which nodes came from which layer."""

from __future__ import annotations

from dataclasses import dataclass, field

from hwq.ir import Node, Value, legal_identifier


@dataclass
class LoweringContext:
    nodes: list[Node] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    layer_nodes: dict[str, list[str]] = field(default_factory=dict)
    # values whose integers still carry float scales (quantizeml's QFloat): only an OutputQuantizer ends them
    float_scaled: set[str] = field(default_factory=set)
    # values whose channels lie on different grids, held on the finest (quantizeml's per-axis frac_bits)
    channel_grids: set[str] = field(default_factory=set)

    def name(self, base: str) -> str:
        return legal_identifier(base, self.taken)

    def add(self, layer_name: str, node: Node) -> Value:
        self.nodes.append(node)
        self.layer_nodes.setdefault(layer_name, []).append(node.name)
        return node.output

    def names_for(self, layer, suffix: str = "") -> tuple[str, str]:
        """A fresh node name for (a part of) `layer`, and the name of its output value."""
        node = self.name(f"{layer.name}{suffix}")
        return node, self.name(f"{node}_out")
