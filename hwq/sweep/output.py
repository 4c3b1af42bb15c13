"""A sweep's files: sweep.csv, sweep.json, and pareto.png (accuracy against LUTs and energy)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from hwq.sweep.point import PointResult


def pareto_front(results: Sequence[PointResult], cost: str) -> list[PointResult]:
    """Points no other point beats: none has at least the accuracy at no more cost, and is better in one."""
    pts = [r for r in results if getattr(r, cost) is not None]
    front = []
    for r in pts:
        c = getattr(r, cost)
        if not any(getattr(o, cost) <= c and o.accuracy >= r.accuracy and
                   (getattr(o, cost) < c or o.accuracy > r.accuracy) for o in pts):
            front.append(r)
    return sorted(front, key=lambda r: getattr(r, cost))


def columns(results: Sequence[PointResult]) -> list[str]:
    layers = list(results[0].bits) if results else []
    return (["index"] + [f"bits_{name}" for name in layers]
            + ["accuracy", "est_luts", "est_ffs", "est_dsps", "energy_pj", "yosys_luts"])


def write_outputs(results: Sequence[PointResult], out_dir: str | Path, meta: dict) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / "sweep.csv", "json": out / "sweep.json", "plot": out / "pareto.png"}
    cols = columns(results)
    with paths["csv"].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in results:
            d = r.to_dict()
            w.writerow([d["index"]] + [r.bits[k[5:]] for k in cols if k.startswith("bits_")]
                       + ["" if d[c] is None else d[c] for c in cols if c != "index" and not c.startswith("bits_")])
    fronts = {c: [r.index for r in pareto_front(results, c)] for c in ("est_luts", "yosys_luts", "energy_pj")}
    paths["json"].write_text(json.dumps({**meta, "points": [r.to_dict() for r in results], "pareto": fronts},
                                        indent=1) + "\n")
    pareto_plot(results, paths["plot"])
    return paths


def pareto_plot(results: Sequence[PointResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    costs = [("est_luts", "LUTs (estimate)"), ("yosys_luts", "LUTs (Yosys)"), ("energy_pj", "energy (pJ)")]
    costs = [(c, label) for c, label in costs if any(getattr(r, c) is not None for r in results)]
    fig, axes = plt.subplots(1, len(costs), figsize=(5 * len(costs), 4), squeeze=False)
    for ax, (c, label) in zip(axes[0], costs, strict=True):
        pts = [r for r in results if getattr(r, c) is not None]
        ax.scatter([getattr(r, c) for r in pts], [r.accuracy for r in pts], s=18, color="0.6", label="points")
        front = pareto_front(results, c)
        ax.plot([getattr(r, c) for r in front], [r.accuracy for r in front], "o-", color="C3", label="Pareto front")
        for r in front:
            ax.annotate("/".join(str(b) for b in r.bits.values()), (getattr(r, c), r.accuracy), fontsize=7,
                        textcoords="offset points", xytext=(3, 3))
        ax.set_xlabel(label)
        ax.set_ylabel("accuracy")
        ax.legend(loc="lower right")
    fig.suptitle("bits per layer: " + ", ".join(results[0].bits) if results else "")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
