"""The report as one HTML file: table and plots inside it, nothing loaded from elsewhere."""

from __future__ import annotations

import jinja2

from hwq.report.plots import energy_plot, lut_plot, share_plot
from hwq.report.table import Report
from hwq.resources import templates_dir


def render_html(report: Report) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "report")),
                             undefined=jinja2.StrictUndefined, autoescape=True, trim_blocks=True,
                             lstrip_blocks=True)
    plots = [("LUTs per node", lut_plot(report)), ("Share of the LUTs", share_plot(report))]
    energy = energy_plot(report)
    if energy:
        plots.append(("Energy per node", energy))
    books = [(row["node"], row["codebook"]) for row in report.rows if row.get("codebook")]
    return env.get_template("report.html.j2").render(r=report, plots=plots, books=books)
