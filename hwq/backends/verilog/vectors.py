"""Test vectors and their hex files: one packed vector per line, element 0 in the low bits."""

from __future__ import annotations

import numpy as np

from hwq.ir import Graph
from hwq.sim import input_mantissas


def check_inputs(graph: Graph, n: int = 256, seed: int = 0) -> np.ndarray:
    """n deterministic input vectors (mantissas): floats drawn over and past the input type's range.

    Quantized by the input type itself, so saturation or wrap-around of the input port is included;
    a third of the draws are exact half-lsb ties, and the first rows are the range's ends and zero.
    """
    t = graph.input.type
    rng = np.random.default_rng(seed)
    lo, hi, lsb = float(t.min_value), float(t.max_value), float(t.lsb)
    reach = (hi - lo) * 0.25 + lsb
    x = rng.uniform(lo - reach, hi + reach, size=(n, graph.input.size))
    ties = (rng.integers(t.min_mantissa, t.max_mantissa + 1, size=x.shape) + 0.5) * lsb
    x = np.where(rng.random(x.shape) < 1 / 3, ties, x)
    for row, value in enumerate((lo, hi, 0.0, lo - reach, hi + reach)[:n]):
        x[row] = value
    return input_mantissas(graph, x)


def pack(m: np.ndarray, width: int) -> list[int]:
    """Rows of mantissas -> one non-negative integer per row, element k in bits [k*width, (k+1)*width)."""
    mask = (1 << width) - 1
    out = []
    for row in np.asarray(m).reshape(len(m), -1).tolist():
        v = 0
        for k, e in enumerate(row):
            v |= (int(e) & mask) << (k * width)
        out.append(v)
    return out


def unpack(words: list[int], n: int, width: int, signed: bool) -> np.ndarray:
    """The inverse of pack: (len(words), n) mantissas, int64 when they fit, else Python ints."""
    mask, sign = (1 << width) - 1, 1 << (width - 1)
    rows = []
    for v in words:
        row = [(v >> (k * width)) & mask for k in range(n)]
        rows.append([e - (e & sign) * 2 for e in row] if signed else row)
    fits = width <= 63 or (signed and width <= 64)
    return np.array(rows, dtype=np.int64 if fits else object).reshape(len(words), n)


def pack_hex(m: np.ndarray, width: int) -> str:
    digits = max(1, -(-np.asarray(m).reshape(len(m), -1).shape[1] * width // 4))
    return "".join(f"{v:0{digits}x}\n" for v in pack(m, width))


def read_hex(text: str) -> list[int]:
    return [int(line, 16) for line in text.split()]
