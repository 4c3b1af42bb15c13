"""A kernel whose weights take few distinct values (a codebook: QKeras' weight_compression, hwq.codebook) held as
an index memory plus small tables of centroids: weight = table[slice][index], one table for the whole kernel or one
per slice along an axis (weight_compression's `axis`).

The kernel's mantissas stay the IR's truth; this is how a backend that stores weights (an HLS array) stores them
instead, and what the summary reports: index bits per weight plus the tables, against the weights' own bits. A
codebook is used only where it saves at least a quarter of the bits and the weights multiply (general
multipliers): a kernel of powers of two or signs already has a narrower form, and a small saving is not worth an
indirection.

node_codebook is the one place that says which node's kernel is stored so: the HLS printers (dense, conv), the
summary and the report all ask it, so the memory they print is the memory the C++ holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwq.ir.node import Node
from hwq.ir.tensor import IntTensor

MIN_SAVING = 0.25
STORED_OPS = ("dense", "conv")  # the ops whose kernel a backend stores as an array (affine: one weight per channel)


@dataclass(frozen=True)
class Codebook:
    tables: np.ndarray  # (slices, entries): each slice's distinct weight mantissas, ascending (the last one repeated)
    index: np.ndarray  # per weight, its entry in its slice's table (the kernel's shape)
    axis: int | None  # the kernel axis whose slices have a table each (None: one table)
    weight_bits: int  # bits of one weight as the kernel's type stores it

    @property
    def index_bits(self) -> int:
        return max(1, (self.tables.shape[1] - 1).bit_length())

    @property
    def index_memory(self) -> int:
        """Bits of the index memory: one index per weight."""
        return self.index.size * self.index_bits

    @property
    def table_memory(self) -> int:
        """Bits of the centroid tables."""
        return self.tables.size * self.weight_bits

    @property
    def bits(self) -> int:
        """Memory of the index and the tables."""
        return self.index_memory + self.table_memory

    @property
    def plain_bits(self) -> int:
        """Memory of the weights stored as they are."""
        return self.index.size * self.weight_bits

    @property
    def saved(self) -> float:
        """The fraction of the plain weights' bits the codebook saves."""
        return 1 - self.bits / self.plain_bits

    def memory(self) -> dict[str, int | float | None]:
        """The memory figures as numbers (the report's JSON): tables x entries, the axis, bits of one index, of the
        index memory, of the tables, in all, of the plain weights, and the percentage saved."""
        return {"tables": int(self.tables.shape[0]), "entries": int(self.tables.shape[1]), "axis": self.axis,
                "index_width": self.index_bits, "weight_width": self.weight_bits, "index_bits": self.index_memory,
                "table_bits": self.table_memory, "bits": self.bits, "plain_bits": self.plain_bits,
                "saved_percent": round(100 * self.saved, 1)}

    def describe(self) -> str:
        per = "one table" if self.axis is None else f"a table per slice of axis {self.axis}"
        return (f"{self.tables.shape[0]} x {self.tables.shape[1]} centroids of {self.weight_bits} bits ({per}) + "
                f"{self.index.size} indices of {self.index_bits} bits = {self.bits:,} bits instead of "
                f"{self.plain_bits:,} ({100 * self.saved:.0f}% saved)")


def node_codebook(node: Node) -> Codebook | None:
    """The codebook a backend stores the node's kernel as (codebook_of on its kernel and multiplier kind), or None:
    an op without a stored kernel, or constants printed as a shift-add program (no weights stored at all)."""
    kernel = node.params.get("kernel")
    if node.op not in STORED_OPS or kernel is None or node.attrs.get("constants") == "shift_add":
        return None
    return codebook_of(kernel, node.attrs.get("multiplier", ""))


def codebook_of(kernel: IntTensor, multiplier: str = "mult") -> Codebook | None:
    """The kernel as the codebook (one table, or one per slice of the axis that stores least) when that saves at
    least MIN_SAVING of its bits; None otherwise."""
    if multiplier != "mult" or kernel.mantissa.size == 0:
        return None
    m = np.asarray(kernel.mantissa, dtype=np.int64)
    books = [_book(m, axis, kernel.type.width) for axis in (None, *range(m.ndim))]
    best = min(books, key=lambda b: b.bits)
    return best if best.bits <= (1 - MIN_SAVING) * best.plain_bits else None


def _book(m: np.ndarray, axis: int | None, width: int) -> Codebook:
    slices = [m] if axis is None else [np.take(m, k, axis=axis) for k in range(m.shape[axis])]
    values = [np.unique(s) for s in slices]
    entries = max(len(v) for v in values)
    tables = np.array([np.pad(v, (0, entries - len(v)), mode="edge") for v in values])
    index = np.empty(m.shape, dtype=np.int64)
    for k, (s, v) in enumerate(zip(slices, values, strict=True)):
        found = np.searchsorted(v, s)
        if axis is None:
            index[...] = found
        else:
            index[(slice(None),) * axis + (k,)] = found
    return Codebook(tables, index, axis, width)
