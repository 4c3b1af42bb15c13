"""The signals of a shift-add graph under construction: the inputs, constants, and sums of two signals, each
with its exact integer combination of the inputs (which gives its range, hence its width) and its depth in
adders. A term is a signal in a column's sum: (signal, shift, sign)."""

from __future__ import annotations

from dataclasses import dataclass

from hwq.fixed.fixed_type import bits_for_range

Term = tuple[int, int, int]  # (signal, shift, sign +1/-1): sign * (signal << shift)


@dataclass
class Signal:
    coefficients: dict[int, int]  # input port -> integer coefficient
    constant: int
    depth: int  # adders on the longest path from an input
    parts: tuple[int, int, int, int, int] | None = None  # (a, b, shift of b, sign of a, sign of b); None: a leaf
    port: int | None = None  # an input's port


class Signals:
    def __init__(self, ranges: list[tuple[int, int]]):
        self.ranges = ranges
        self.items: list[Signal] = [Signal({p: 1}, 0, 0, port=p) for p in range(len(ranges))]
        self._known: dict[tuple, int] = {}

    def __getitem__(self, k: int) -> Signal:
        return self.items[k]

    def constant(self, c: int) -> int:
        self.items.append(Signal({}, c, 0))
        return len(self.items) - 1

    def combine(self, a: int, b: int, shift: int, sa: int, sb: int) -> int:
        """The signal sa * a + sb * (b << shift) (sa, sb +1/-1, not both -1); reused when already built."""
        key = (a, b, shift, sa, sb)
        if key in self._known:
            return self._known[key]
        x, y = self.items[a], self.items[b]
        k = sb << shift
        coefficients = {p: sa * c for p, c in x.coefficients.items()}
        for p, c in y.coefficients.items():
            coefficients[p] = coefficients.get(p, 0) + k * c
        coefficients = {p: c for p, c in coefficients.items() if c}
        self.items.append(Signal(coefficients, sa * x.constant + k * y.constant, max(x.depth, y.depth) + 1,
                                 (a, b, shift, sa, sb)))
        self._known[key] = len(self.items) - 1
        return len(self.items) - 1

    def reach(self, k: int) -> tuple[int, int]:
        """The exact range of signal k over the inputs' ranges."""
        s = self.items[k]
        lo = hi = s.constant
        for p, c in s.coefficients.items():
            a, b = self.ranges[p]
            lo += min(c * a, c * b)
            hi += max(c * a, c * b)
        return lo, hi

    def width(self, k: int) -> int:
        return bits_for_range(*self.reach(k))
