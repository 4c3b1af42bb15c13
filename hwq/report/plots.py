"""The report's pictures, as base64 PNG strings, so the HTML page carries them inside itself."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")  # no display: files only, and safe in worker processes
import matplotlib.pyplot as plt  # noqa: E402

from hwq.report.table import Report  # noqa: E402


def png_base64(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def lut_plot(report: Report) -> str:
    """LUTs per node: the estimate next to Yosys' count where there is one."""
    names = [r["node"] for r in report.rows]
    fig, ax = plt.subplots(figsize=(max(5, 0.7 * len(names) + 2), 3.2))
    xs = range(len(names))
    width = 0.4 if report.measured else 0.8
    ax.bar([x - (width / 2 if report.measured else 0) for x in xs], [r["est_luts"] for r in report.rows],
           width, label="estimate")
    if report.measured:
        ax.bar([x + width / 2 for x in xs], [r.get("yosys_luts", 0) for r in report.rows], width,
               label="Yosys synth_xilinx")
    ax.set_xticks(list(xs), names, rotation=45, ha="right")
    ax.set_ylabel("LUTs")
    ax.set_title("Where the LUTs go")
    ax.legend()
    return png_base64(fig)


def energy_plot(report: Report) -> str | None:
    """Energy per node, stacked by what it is spent on."""
    if not report.has_energy:
        return None
    names = [r["node"] for r in report.rows]
    parts = sorted({k for r in report.rows for k in r.get("energy_parts_pj", {})})
    fig, ax = plt.subplots(figsize=(max(5, 0.7 * len(names) + 2), 3.2))
    bottom = [0.0] * len(names)
    for part in parts:
        vals = [r["energy_parts_pj"].get(part, 0.0) for r in report.rows]
        ax.bar(names, vals, bottom=bottom, label=part)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.tick_params(axis="x", labelrotation=45)
    ax.set_ylabel("pJ per inference")
    ax.set_title("Where the energy goes (all parts, before QKeras' per-class selection)")
    ax.legend()
    return png_base64(fig)


def share_plot(report: Report) -> str:
    """Share of the estimated LUTs per node (the first question: which layer to shrink)."""
    rows = [r for r in report.rows if r["est_luts"] > 0]
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    if rows:
        ax.pie([r["est_luts"] for r in rows], labels=[r["node"] for r in rows], autopct="%1.0f%%")
    ax.set_title("Estimated LUTs by node")
    return png_base64(fig)
