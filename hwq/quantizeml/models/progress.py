"""A plain text progress bar on stderr (no dependency), for calibration."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """Prints `label [=====     ] done/total` on one line, rewritten in place; total None shows a count."""

    def __init__(self, label: str, total: int | None, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream or sys.stderr

    def advance(self, count: int) -> None:
        self.done += count
        self.stream.write("\r" + self._line())
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()

    def _line(self) -> str:
        if not self.total:
            return f"{self.label} {self.done}"
        filled = min(WIDTH, WIDTH * self.done // self.total)
        return f"{self.label} [{'=' * filled}{' ' * (WIDTH - filled)}] {self.done}/{self.total}"
