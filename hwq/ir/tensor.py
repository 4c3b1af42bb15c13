"""IntTensor: a parameter held as integer mantissas plus their type, never as floats."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwq.fixed import FixedType, carrier_for_bits, to_float


@dataclass
class IntTensor:
    mantissa: np.ndarray
    type: FixedType

    def __post_init__(self) -> None:
        m = np.asarray(self.mantissa)
        if m.dtype.kind not in "iuO":
            raise TypeError(f"IntTensor mantissas must be integers, got dtype {m.dtype}")
        self.mantissa = m.astype(carrier_for_bits(self.type.width))
        if m.size and (m.min() < self.type.min_mantissa or m.max() > self.type.max_mantissa):
            raise ValueError(f"mantissas outside the range of {self.type}")

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.mantissa.shape)

    def values(self) -> np.ndarray:
        return to_float(self.mantissa, self.type)

    def to_dict(self) -> dict:
        return {"type": self.type.to_dict(), "shape": list(self.shape),
                "mantissa": [int(v) for v in self.mantissa.flat]}

    @classmethod
    def from_dict(cls, d: dict) -> IntTensor:
        t = FixedType.from_dict(d["type"])
        flat = np.array(d["mantissa"], dtype=carrier_for_bits(t.width))
        return cls(flat.reshape(d["shape"]), t)
