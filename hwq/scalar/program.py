"""A scalar program: a flat list of steps, each an op (hwq.scalar.ops) on earlier steps, with the exact
range and the binary point of its value; its width is the fewest bits holding that range.

Programs are built by hwq.cmvm (a constant matrix times a vector as shared shift-add graphs) and printed
by the backends one line per step. `evaluate` is the exact reference the symbolic check and the tests use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hwq.fixed.fixed_type import bits_for_range
from hwq.scalar.ops import OPS, Range


@dataclass(frozen=True)
class Step:
    op: str
    args: tuple[int, ...]
    lo: int  # every value the step takes lies in [lo, hi] (mantissas at `frac` fraction bits)
    hi: int
    frac: int
    attrs: tuple = ()

    @property
    def signed(self) -> bool:
        return self.lo < 0

    @property
    def width(self) -> int:
        return bits_for_range(self.lo, self.hi)

    @property
    def range(self) -> Range:
        return Range(self.lo, self.hi)


@dataclass(frozen=True)
class Output:
    """Output = step << shift (step None: the constant 0)."""

    step: int | None
    shift: int = 0


@dataclass
class Program:
    steps: list[Step] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)

    @property
    def inputs(self) -> list[int]:
        """The steps that read input ports, in port order."""
        found = {s.attrs[0]: k for k, s in enumerate(self.steps) if s.op == "input"}
        return [found[p] for p in sorted(found)]

    def add_step(self, op: str, args: tuple[int, ...], frac: int, attrs: tuple = (),
                 bound: Range | None = None) -> int:
        """Append a step; its range is `bound` (a tighter proven one) or the op's interval bound."""
        if bound is None:
            bound = OPS[op].bound(attrs, *(self.steps[a].range for a in args))
        self.steps.append(Step(op, tuple(args), bound.lo, bound.hi, frac, tuple(attrs)))
        return len(self.steps) - 1

    def live(self) -> set[int]:
        """The steps some output reads, directly or through other steps (a printer leaves the others out)."""
        live: set[int] = set()
        stack = [o.step for o in self.outputs if o.step is not None]
        while stack:
            k = stack.pop()
            if k not in live:
                live.add(k)
                stack.extend(self.steps[k].args)
        return live

    def count(self, op: str) -> int:
        return sum(s.op == op for s in self.steps)

    def depth(self) -> list[int]:
        """Adders (add, neg) on the longest path to each step."""
        d: list[int] = []
        for s in self.steps:
            d.append(max((d[a] for a in s.args), default=0) + (s.op in ("add", "neg")))
        return d

    def evaluate(self, inputs: list[np.ndarray] | np.ndarray) -> list[np.ndarray]:
        """Exact: inputs[p] holds the mantissas of port p (any shape, the same for all); one array per output."""
        values: list = []
        wide = max((s.width for s in self.steps), default=1) > 62
        for s in self.steps:
            if s.op == "input":
                x = np.asarray(inputs[s.attrs[0]])
                values.append(x.astype(object) if wide else x.astype(np.int64))
            else:
                fracs = [self.steps[a].frac for a in s.args]
                values.append(OPS[s.op].evaluate(s.attrs, fracs, *(values[a] for a in s.args)))
        shape = np.asarray(inputs[0]).shape if len(inputs) else ()
        zero = np.zeros(shape, dtype=object if wide else np.int64)
        return [zero.copy() if o.step is None else _shifted(values[o.step], o.shift, zero) for o in self.outputs]


def _shifted(v, shift: int, zero: np.ndarray) -> np.ndarray:
    v = np.broadcast_to(v, zero.shape) + zero
    return v << shift if shift else v
