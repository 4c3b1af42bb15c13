"""Bus: a value as a flat Verilog vector, element 0 in the low bits, elements in row-major order."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hwq.fixed import FixedType, ap_spelling


@dataclass(frozen=True)
class Bus:
    """`name` carries a value of `shape` (batch not counted), every element one `type` word."""

    name: str
    shape: tuple[int, ...]
    type: FixedType
    value: str = ""  # the graph value it carries, for comments (empty inside a node module)

    @property
    def n(self) -> int:
        return math.prod(self.shape)

    @property
    def width(self) -> int:
        return self.type.width

    @property
    def bits(self) -> int:
        return self.n * self.type.width

    @property
    def note(self) -> str:
        """What the comments say: `4 x 3 of ap_fixed<8,3>, row-major, element 0 in the low bits`."""
        dims = " x ".join(str(d) for d in self.shape)
        label = f"{self.value}: " if self.value else ""
        order = ", row-major" if len(self.shape) > 1 else ""
        return f"{label}{dims} of {ap_spelling(self.type)}{order}, element 0 in the low bits"
