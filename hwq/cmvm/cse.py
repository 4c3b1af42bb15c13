"""Common-subexpression elimination over a whole constant matrix: the two-term pattern that occurs most
often across the columns' signed digits becomes one new signal, each of its occurrences one term; repeat
while some pattern occurs twice. Every occurrence then costs no adder but the one the new signal costs.

A pattern is two terms of a column, (a, s1, g1) and (b, s2, g2) ordered so that s1 <= s2 (a before b when
the shifts tie): it is (a, b, s2 - s1, g1 * g2), the signal a + g1 * g2 * (b << (s2 - s1)), standing for
both terms as the term (new, s1, g1). Counts are kept incrementally: replacing two terms of a column
changes only the pairs those terms (and the new one) make with the rest of that column.
"""

from __future__ import annotations

import heapq
from collections import defaultdict

from hwq.cmvm.signals import Signals, Term

Pattern = tuple[int, int, int, int]  # (a, b, shift of b, relative sign)


def eliminate(columns: list[list[Term]], signals: Signals, max_shift: int | None = None,
              max_depth: int | None = None) -> None:
    """Rewrite `columns` in place with new signals for shared patterns. max_shift: ignore pairs further apart
    (wide adders, and fewer pairs to count in a long column); max_depth: no new signal deeper than this."""
    state = _State(columns, signals, max_shift)
    blocked: set[Pattern] = set()
    while True:
        pattern = state.best(blocked)
        if pattern is None:
            return
        a, b = pattern[0], pattern[1]
        if max_depth is not None and max(signals[a].depth, signals[b].depth) + 1 > max_depth:
            blocked.add(pattern)
            continue
        places = state.occurrences(pattern)
        if sum(len(p) for p in places.values()) < 2:  # overlapping pairs counted twice, only one usable
            blocked.add(pattern)
            continue
        new = signals.combine(a, b, pattern[2], 1, pattern[3])
        for j, pairs in places.items():
            for first, second in pairs:
                state.replace(j, first, second, (new, first[1], first[2]))


class _State:
    def __init__(self, columns: list[list[Term]], signals: Signals, max_shift: int | None):
        self.columns = columns
        self.signals = signals
        self.max_shift = max_shift
        self.counts: dict[Pattern, int] = defaultdict(int)
        self.where: dict[Pattern, dict[int, int]] = defaultdict(dict)  # pattern -> column -> pairs there
        self.heap: list[tuple[int, int, Pattern]] = []
        for j, col in enumerate(columns):
            for i in range(len(col)):
                self._count_with(j, col[i], col[i + 1:], 1, push=False)
        for p, n in self.counts.items():
            if n >= 2:
                heapq.heappush(self.heap, (-n, p[2], p))

    def _count_with(self, j: int, x: Term, others: list[Term], delta: int, push: bool = True) -> None:
        """Count (delta +1 or -1) the pairs term x makes with each of `others` in column j (pattern() inlined:
        this is the solver's inner loop)."""
        counts, where, heap, max_shift = self.counts, self.where, self.heap, self.max_shift
        xs, xk, xg = x[1], x[0], x[2]
        for y in others:
            ys, yk = y[1], y[0]
            p = (yk, xk, xs - ys, xg * y[2]) if (xs, xk) > (ys, yk) else (xk, yk, ys - xs, xg * y[2])
            if (max_shift is not None and p[2] > max_shift) or (p[2] == 0 and xk == yk):
                continue
            n = counts[p] + delta
            counts[p] = n
            cols = where[p]
            m = cols.get(j, 0) + delta
            if m:
                cols[j] = m
            else:
                del cols[j]
            if push and delta > 0 and n >= 2:
                heapq.heappush(heap, (-n, p[2], p))

    def best(self, blocked: set[Pattern]) -> Pattern | None:
        """The pattern counted most often (at least twice), the closest shift first; stale heap entries skipped."""
        while self.heap:
            n, _, p = self.heap[0]
            if -n == self.counts[p] and -n >= 2 and p not in blocked:
                return p
            heapq.heappop(self.heap)
            if -n != self.counts[p] and self.counts[p] >= 2 and p not in blocked:
                heapq.heappush(self.heap, (-self.counts[p], p[2], p))
        return None

    def occurrences(self, pattern: Pattern) -> dict[int, list[tuple[Term, Term]]]:
        """Per column, non-overlapping pairs of terms matching the pattern."""
        a, b, shift, rel = pattern
        found = {}
        for j in list(self.where[pattern]):
            col = self.columns[j]
            at = {(t[0], t[1]): t for t in col}
            used: set[Term] = set()
            pairs = []
            for t in sorted(col, key=lambda t: t[1]):
                if t[0] != a or t in used:
                    continue
                partner = at.get((b, t[1] + shift))
                if partner is None or partner in used or partner == t or partner[2] * t[2] != rel:
                    continue
                if shift == 0 and a != b and (t[0], t[1]) > (partner[0], partner[1]):
                    continue
                used.update((t, partner))
                pairs.append((t, partner))
            if pairs:
                found[j] = pairs
        return found

    def replace(self, j: int, first: Term, second: Term, new: Term) -> None:
        col = self.columns[j]
        col.remove(first)
        self._count_with(j, first, col, -1)
        col.remove(second)
        self._count_with(j, second, col, -1)
        self._count_with(j, new, col, 1)
        col.append(new)
