"""Port data as hex words: one line per vector, element 0 in the low bits of its port, port 0 in the low
bits of the line. Which vectors a project carries is hwq.backends.vectors.test_vectors' policy."""

from __future__ import annotations

import numpy as np


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


def pack_ports(ports: list[np.ndarray], widths: list[int]) -> list[int]:
    """Several ports' rows (batch, size) -> one word per row: port 0 in the low bits, then port 1, ..."""
    words = [0] * len(ports[0])
    shift = 0
    for m, width in zip(ports, widths, strict=True):
        m = np.asarray(m).reshape(len(m), -1)
        for row, w in enumerate(pack(m, width)):
            words[row] |= w << shift
        shift += m.shape[1] * width
    return words


def unpack_ports(words: list[int], ports: list[tuple[int, int, bool]]) -> list[np.ndarray]:
    """The inverse of pack_ports, for ports given as (elements, element width, signed)."""
    out, shift = [], 0
    for n, width, signed in ports:
        mask = (1 << (n * width)) - 1
        out.append(unpack([(w >> shift) & mask for w in words], n, width, signed))
        shift += n * width
    return out


def hex_lines(words: list[int], bits: int) -> str:
    """One zero-padded hex word of `bits` bits per line ($readmemh reads them)."""
    digits = max(1, -(-bits // 4))
    return "".join(f"{v:0{digits}x}\n" for v in words)


def pack_hex(m: np.ndarray, width: int) -> str:
    m = np.asarray(m).reshape(len(m), -1)
    return hex_lines(pack(m, width), m.shape[1] * width)


def read_hex(text: str) -> list[int]:
    return [int(line, 16) for line in text.split()]
