"""Loop nests and index expressions for shaped C arrays, all decided in Python.

Every value is a C array of its shape (row-major, as the IR lays values out). An op walks its
arrays with nested counted loops, each opened with the flavour's pragmas; index expressions are
plain C (after full unrolling, every division and modulo below is by a constant of a constant).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from hwq.backends.hls.flavour import Flavour

INDENT = "    "


def index_vars(rank: int) -> list[str]:
    """The loop counters of a rank-`rank` nest: i0, i1, ... (the program reserves them in its namer)."""
    return [f"i{d}" for d in range(rank)]


@dataclass(frozen=True)
class Loops:
    """A nest of counted loops: `open` and `close` surround a body indented by `pad`."""

    open: str  # the pragmas and `for` lines, outermost first
    close: str  # the closing braces, innermost first
    pad: str  # the body's indentation
    index: str  # `[i0][i1]...`: the subscript of the element the body works on, when the nest walks one array


def nest(flavour: Flavour, dims: Sequence[int], variables: Sequence[str] | None = None, depth: int = 1) -> Loops:
    """Loops over `dims` with counters `variables` (default i0, i1, ...), the outermost at indentation `depth`."""
    variables = list(variables) if variables is not None else index_vars(len(dims))
    opening, closing = [], []
    for level, (var, n) in enumerate(zip(variables, dims, strict=True)):
        pad = INDENT * (depth + level)
        opening += [pad + p for p in flavour.before_loop()]
        opening.append(f"{pad}for (int {var} = 0; {var} < {int(n)}; {var}++) {{")
        opening += [pad + INDENT + p for p in flavour.in_loop()]
        closing.insert(0, pad + "}")
    return Loops("\n".join(opening), "\n".join(closing), INDENT * (depth + len(dims)), subscript(variables))


def subscript(indices: Sequence[str]) -> str:
    """`[a][b]...`."""
    return "".join(f"[{i}]" for i in indices)


def strides(shape: Sequence[int]) -> list[int]:
    """Row-major strides: how many elements one step along each axis skips."""
    return [math.prod(shape[k + 1:]) for k in range(len(shape))]


def flat_index(indices: Sequence[str], shape: Sequence[int]) -> str:
    """The row-major position of element `indices` of an array of `shape`, e.g. `i0 * 12 + i1 * 3 + i2`."""
    terms = [v if s == 1 else f"{v} * {s}" for v, s, d in zip(indices, strides(shape), shape, strict=True) if d > 1]
    return " + ".join(terms) or "0"


def unflatten(flat: str, shape: Sequence[int]) -> str:
    """The subscript of row-major position `flat` (a C expression) in an array of `shape`, e.g. `[i / 3][i % 3]`.

    The outermost axis longer than 1 needs no modulo (the position is within the array); axes of length 1
    are always 0.
    """
    operand = flat if flat.isidentifier() or flat.isdigit() else f"({flat})"
    parts, outer = [], True
    for s, d in zip(strides(shape), shape, strict=True):
        if d == 1:
            parts.append("0")
            continue
        expr = operand if s == 1 else f"{operand} / {s}"
        parts.append(expr if outer else f"{expr} % {d}")
        outer = False
    return subscript(parts)
