"""Value: a named, typed tensor flowing between nodes (shape without the batch axis)."""

from __future__ import annotations

from dataclasses import dataclass

from hwq.fixed import FixedType


@dataclass
class Value:
    name: str
    shape: tuple[int, ...]
    type: FixedType

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def to_dict(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "type": self.type.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> Value:
        return cls(d["name"], tuple(d["shape"]), FixedType.from_dict(d["type"]))
