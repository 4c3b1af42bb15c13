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


def _unpack_narrow(w: np.ndarray, n: int, width: int, signed: bool) -> np.ndarray:
    """unpack_words for width <= 32: each element read from the 64 bits of its word and the next."""
    word, shift = _element_places(n, width)
    padded = np.zeros((len(w), w.shape[1] + 1), dtype=np.uint64)
    padded[:, :w.shape[1]] = w
    pairs = padded[:, word] | (padded[:, word + 1] << np.uint64(32))
    v = ((pairs >> shift) & np.uint64((1 << width) - 1)).view(np.int64)
    if signed:
        sign = np.int64(1 << (width - 1))
        v = (v ^ sign) - sign  # two's complement of `width` bits
    return v


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


ROWS_PER_PASS = 4096  # rows packed or unpacked at a time: their bits, one byte each, stay a few megabytes


def pack_words(m: np.ndarray, width: int, words: int) -> np.ndarray:
    """Rows of mantissas -> (rows, words) uint32: element k in bits [k*width, (k+1)*width) of the row's bits,
    the low word first (the Verilator harness's layout)."""
    m = np.asarray(m)
    m = m.reshape(len(m), -1)
    if m.dtype == object or width > 64:
        nbytes = words * 4
        return np.array([np.frombuffer(v.to_bytes(nbytes, "little"), dtype="<u4") for v in pack(m, width)],
                        dtype=np.uint32).reshape(len(m), words)
    if width <= 32:
        return _pack_narrow(m, width, words)
    out = np.empty((len(m), words), dtype=np.uint32)
    mask = np.uint64((1 << width) - 1) if width < 64 else np.uint64(0xFFFFFFFFFFFFFFFF)
    shifts = np.arange(width, dtype=np.uint64)
    for start in range(0, len(m), ROWS_PER_PASS):
        u = m[start:start + ROWS_PER_PASS].astype(np.int64).view(np.uint64) & mask
        bits = ((u[:, :, None] >> shifts) & np.uint64(1)).astype(np.uint8).reshape(len(u), -1)
        padded = np.zeros((len(u), words * 32), dtype=np.uint8)
        padded[:, :bits.shape[1]] = bits
        out[start:start + len(u)] = np.packbits(padded, axis=1, bitorder="little").view("<u4")
    return out


def _element_places(n: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per element k of a row: the word its low bit lands in, and its shift inside that word."""
    offsets = np.arange(n, dtype=np.int64) * width
    return offsets // 32, (offsets % 32).astype(np.uint64)


def _pack_narrow(m: np.ndarray, width: int, words: int) -> np.ndarray:
    """pack_words for width <= 32. A byte-aligned width is the mantissas' own little-endian bytes; any other
    spans at most two words per element: one 64-bit value, its halves ORed into place (elements never overlap)."""
    n = m.shape[1]
    u = m.astype(np.int64).view(np.uint64) & np.uint64((1 << width) - 1)
    if width in (8, 16, 32):
        row = np.zeros((len(m), words * 4), dtype=np.uint8)
        row[:, :n * width // 8] = u.astype(f"<u{width // 8}").view(np.uint8)
        return row.view("<u4")
    word, shift = _element_places(n, width)
    v = np.ascontiguousarray((u << shift).T)  # (n, rows): one contiguous row per element
    out = np.zeros((words + 1, len(m)), dtype=np.uint64)
    for k in range(n):
        out[word[k]] |= v[k] & np.uint64(0xFFFFFFFF)
        out[word[k] + 1] |= v[k] >> np.uint64(32)
    return out[:words].T.astype(np.uint32)


def unpack_words(w: np.ndarray, n: int, width: int, signed: bool) -> np.ndarray:
    """The inverse of pack_words: (rows, n) mantissas, int64 when they fit, else Python ints."""
    w = np.ascontiguousarray(w, dtype=np.uint32)
    if width <= 32:
        return _unpack_narrow(w, n, width, signed)
    if width > 63 and not (signed and width == 64):
        return unpack([int.from_bytes(row.tobytes(), "little") for row in w], n, width, signed)
    out = np.empty((len(w), n), dtype=np.int64)
    weights = np.uint64(1) << np.arange(width, dtype=np.uint64)
    for start in range(0, len(w), ROWS_PER_PASS):
        part = w[start:start + ROWS_PER_PASS]
        bits = np.unpackbits(part.view(np.uint8), axis=1, bitorder="little")[:, :n * width]
        u = (bits.reshape(len(part), n, width).astype(np.uint64) * weights).sum(axis=2, dtype=np.uint64)
        v = u.view(np.int64)
        if signed and width < 64:
            sign = np.int64(1 << (width - 1))
            v = (v ^ sign) - sign  # two's complement of `width` bits
        out[start:start + len(part)] = v
    return out
