"""Each column's remaining terms summed by a tree of two-input adders, the two lightest terms first as
Huffman coding pairs them: "narrow" weighs a term by its top bit (width plus shift: narrow sums first),
"shallow" by its depth in adders, then its top bit (the least depth; on the models measured, also the fewest
LUTs, as sums of equal depth pair terms of similar shifts less often). A sum keeps a
positive sign when either term has one (a - b needs no negation); only a column whose terms are all
negative ends in one, and a constant (the bias) is a term like any other."""

from __future__ import annotations

import heapq

from hwq.cmvm.signals import Signals, Term

TREES = ("narrow", "shallow")


def sum_tree(terms: list[Term], signals: Signals, tree: str = "shallow") -> Term | None:
    """One term equal to the sum of `terms` (None when there are none), built from new signals."""
    if tree not in TREES:
        raise ValueError(f"tree={tree!r}: choose one of {', '.join(TREES)}")

    def weight(t: Term) -> tuple[int, ...]:
        top = signals.width(t[0]) + t[1]
        return (top,) if tree == "narrow" else (signals[t[0]].depth, top)

    terms = merge_duplicates(terms)
    if not terms:
        return None
    heap = [(weight(t), k, t) for k, t in enumerate(terms)]
    heapq.heapify(heap)
    order = len(heap)
    while len(heap) > 1:
        x = heapq.heappop(heap)[2]
        y = heapq.heappop(heap)[2]
        t = add_terms(x, y, signals)
        heapq.heappush(heap, (weight(t), order, t))
        order += 1
    return heap[0][2]


def add_terms(x: Term, y: Term, signals: Signals) -> Term:
    """The term x + y: one new signal over the lower shift."""
    if (x[1], x[0]) > (y[1], y[0]):
        x, y = y, x
    shift = y[1] - x[1]
    if x[2] < 0 and y[2] < 0:
        return signals.combine(x[0], y[0], shift, 1, 1), x[1], -1
    return signals.combine(x[0], y[0], shift, x[2], y[2]), x[1], 1


def merge_duplicates(terms: list[Term]) -> list[Term]:
    """Terms of one signal at one shift summed: two equal ones are one at the next shift, opposite ones cancel."""
    out: dict[tuple[int, int], int] = {}
    pending = list(terms)
    while pending:
        s, shift, g = pending.pop()
        total = out.pop((s, shift), 0) + g
        if total in (2, -2):
            pending.append((s, shift + 1, total // 2))
        elif total:
            out[(s, shift)] = total
    return [(s, shift, g) for (s, shift), g in out.items()]
