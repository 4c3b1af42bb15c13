"""The testbench's vector files: one sample per line, whitespace-separated integer mantissas.

A line holds every port's elements (row-major per port, the ports in graph order): the same
concatenated row the C simulation bridge takes. Lines starting with '#' are comments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def format_vectors(m: np.ndarray, what: str) -> str:
    """One sample per line, after a comment line saying what the columns are."""
    rows = [" ".join(str(int(v)) for v in row) for row in np.asarray(m).reshape(len(m), -1)]
    return "\n".join([f"# {what}: {len(rows)} samples, one per line"] + rows) + "\n"


def read_vectors(path: str | Path) -> np.ndarray:
    """The integers of a vectors file, one row per sample."""
    rows = [[int(v) for v in line.split()] for line in Path(path).read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    return np.array(rows, dtype=np.int64)


def concatenated(ports: list[np.ndarray]) -> np.ndarray:
    """(batch, size) per port -> one (batch, total) int64 row per sample, ports side by side."""
    return np.ascontiguousarray(np.concatenate([np.asarray(m) for m in ports], axis=1), dtype=np.int64)
