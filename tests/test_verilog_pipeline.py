"""The pipelined parallel Verilog top (`pipeline=`, hwq.passes.stages): registers between stages, inside shift-add
programs and between nodes, delays where a value is read stages after it is computed, a valid bit per stage.

The fast tests check the plan (latency, adder levels per stage, register bits) against the printed design, that
pipeline=1 is today's design byte for byte, that the RTL lints clean, and what the summary, the report, the
schedule and a reopened project say. The slow ones run random MLPs, a random branching Keras model, a random
CNN and the published jet tagger, with shift-add and direct constants, through Verilator at latencies 2 and 3
(each design planned on its own, one build per latency) and at {"max_depth": 2} (one project through
hwq.emit and predict), with gaps in in_valid, and the standalone `make check` of a pipelined project.
"""

from __future__ import annotations

import copy
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from support.branching import random_branching_model, union
from support.cnn_graphs import random_cnn_graph
from support.graphs import random_mlp
from support.op_cases import port_mantissas
from support.verilog_bundle import expected, run_bundle
from test_verilog import _lint, _verilator
from test_verilog_graphs import residual_graph

import hwq
from hwq.backends.verilog import VerilogProject, emit_verilog
from hwq.backends.verilog.design import design
from hwq.hardware_cost import estimate
from hwq.hardware_cost.estimate import as_printed
from hwq.ir import Graph
from hwq.passes.schedule import ScheduleError, schedule
from hwq.passes.stages import plan_pipeline
from hwq.sim import simulate_mantissas

pytestmark = pytest.mark.xdist_group("verilator")

JET = Path(__file__).resolve().parents[1].parent / "shared" / "models" / "qkeras-v3_3layer.keras"
FORMS = ("shift_add", "direct")
SAMPLES = 400


def _jet() -> Graph:
    if not JET.is_file():
        pytest.skip(f"the published jet tagger is not at {JET}")
    graph = hwq.lower(hwq.load_model(JET), input_type="ap_fixed<16,6>", until="output")
    graph.name = "jet"
    return graph


def _mlps(n: int = 4) -> list[Graph]:
    graphs = []
    for seed in range(n):
        g = random_mlp(np.random.default_rng(700 + seed), max_bits=12, depth=3)
        g.name = f"mlp_{seed}"
        graphs.append(g)
    return graphs


def _branching() -> Graph:
    return hwq.lower(random_branching_model(np.random.default_rng(3), max_bits=10, name="branching"))


def _cnn() -> Graph:
    return random_cnn_graph(np.random.default_rng(4), max_bits=8, name="cnn")


def _printed(graphs: list[Graph]) -> list[Graph]:
    """Each graph in both constant forms, as hwq.emit's Verilog passes leave it (the forms named in the graph)."""
    out = []
    for g in graphs:
        for form in FORMS:
            p = as_printed(g, form)
            p.name = f"{g.name}_{form}"
            out.append(p)
    return out


def _register_bits(d) -> int:
    """The bits of every register the pipelined design adds, counted from the design itself."""
    bits = sum(r.bits for r in d.delays) + len(d.valids)
    for view in d.nodes:
        copies = getattr(view, "rows", None) or getattr(view, "positions", 1)
        bits += copies * sum(r.bits for r in getattr(view, "registers", []))
    return bits


@pytest.fixture(scope="module")
def jet() -> Graph:
    return _jet()


@pytest.fixture(scope="module")
def suite(jet) -> list[Graph]:
    """What the slow tests run: MLPs, a branching model, a CNN, the jet tagger, each in both constant forms."""
    return _printed([*_mlps(), _branching(), _cnn(), jet])


# --- fast: no simulator build -----------------------------------------------------------------------

def test_pipeline_one_is_the_unpipelined_design_byte_for_byte(tmp_path: Path) -> None:
    """pipeline=1, and a max_depth no stage reaches, print exactly what emit printed before pipelining existed."""
    for g in [*_mlps(2), residual_graph(), _cnn()]:
        ref = hwq.emit(g, tmp_path / f"{g.name}_ref", backend="verilog", io="parallel")
        files = {p.relative_to(ref.path): p.read_bytes() for p in ref.path.rglob("*") if p.is_file()}
        assert Path("pipeline.json") not in files
        for k, setting in enumerate([1, {"max_depth": 10_000}]):
            again = hwq.emit(g, tmp_path / f"{g.name}_{k}", backend="verilog", io="parallel", pipeline=setting)
            assert again.latency == 1
            assert {p.relative_to(again.path): p.read_bytes() for p in again.path.rglob("*") if p.is_file()} == files


@pytest.mark.parametrize("form", FORMS)
def test_stages_are_equal_cuts_of_the_depth(jet, form: str) -> None:
    """N stages: latency N, each stage at most ceil(depth / N) adder levels deep (shift-add kernels are cut between
    their adders; a direct kernel is whole, so its stage can be deeper). max_depth d: ceil(depth / d) stages."""
    for g in [jet, *_mlps()]:
        p = as_printed(g, form)
        for n in (2, 3, 5):
            plan = plan_pipeline(p, n)
            assert plan.latency == n == len(plan.stage_depths)
            if form == "shift_add":
                assert max(plan.stage_depths) <= math.ceil(plan.depth / n), (g.name, n, plan.stage_depths)
        for d in (1, 2, 4):
            plan = plan_pipeline(p, {"max_depth": d})
            assert plan.latency == max(1, math.ceil(plan.depth / d))
            if form == "shift_add":
                assert max(plan.stage_depths) <= d, (g.name, d, plan.stage_depths)
        assert plan_pipeline(p, 1).stage_depths == [plan_pipeline(p, 1).depth]


def test_jet_tagger_depth() -> None:
    """The jet tagger's shift-add datapath is 30 adder levels deep: four kernels (each summing its shallowest
    terms first) and three casts, cut into three stages of 10."""
    plan = plan_pipeline(as_printed(_jet()), 3)
    assert plan.depth == 30 and plan.stage_depths == [10, 10, 10]


def test_register_bits_are_what_the_design_prints(jet) -> None:
    for g in _printed([*_mlps(2), residual_graph(), _cnn(), jet]):
        for setting in (2, 3, {"max_depth": 2}):
            plan = plan_pipeline(g, setting)
            d = design(g, plan)
            assert d.latency == plan.latency and plan.register_bits == _register_bits(d), (g.name, setting)


def test_a_skip_connection_is_delayed_to_its_reader() -> None:
    """residual_graph: the input x is read by the dense (stage 0) and by the add after the dense's cast and relu,
    stages later: x reaches the add through a register per stage in between, as does every output computed early."""
    g = as_printed(residual_graph())
    plan = plan_pipeline(g, {"max_depth": 1})
    d = design(g, plan)
    x = g.inputs[0].name
    add = next(k for k, n in enumerate(g.nodes) if n.op == "add")
    later = plan.node_stage[g.nodes[add].name] - plan.value_stage[x]
    assert later >= 2 and plan.value_reads[x] == plan.node_stage[g.nodes[add].name]
    pins = dict(d.instances[add].pins)
    assert pins["x0"] == f"{d.inputs[0].name}_d{later}"
    chain = [r for r in d.delays if r.name.startswith(d.inputs[0].name + "_d")]
    assert [r.source for r in chain] == [d.inputs[0].name] + [r.name for r in chain[:-1]]
    assert len(d.valids) == plan.latency - 1 and d.out_enable == d.valids[-1].name
    dense = g.nodes[0]
    assert plan.kernels[dense.name].split and dict(d.instances[0].pins)["clk"] == "clk"


@pytest.mark.parametrize("form", FORMS)
def test_pipelined_rtl_lints_clean(tmp_path: Path, form: str) -> None:
    _verilator()
    for g in [*_mlps(2), residual_graph(), _cnn(), _branching()]:
        for k, setting in enumerate((2, 3, {"max_depth": 2})):
            prj = hwq.emit(g, tmp_path / f"{g.name}_{k}", backend="verilog", io="parallel", multipliers=form,
                           pipeline=setting)
            run = _lint(prj.sources, prj.top)
            assert run.returncode == 0 and "%Warning" not in run.stderr, run.stderr


def test_latency_in_the_project_the_schedule_and_the_summary(tmp_path: Path) -> None:
    g = residual_graph()
    for k, (setting, form) in enumerate([(3, "shift_add"), ({"max_depth": 2}, "shift_add"),
                                         ({"max_depth": 2}, "direct")]):
        prj = hwq.emit(g, tmp_path / f"p{k}", backend="verilog", io="parallel", pipeline=setting, multipliers=form)
        plan = schedule(prj.graph, "parallel", pipeline=setting)
        assert prj.latency == plan.latency == plan.pipeline.latency
        assert setting != 3 or prj.latency == 3
        assert VerilogProject.open(prj.path).latency == prj.latency
        # the summary plans the graph as emit prints it, from the graph the user has
        text = g.summary(io="parallel", pipeline=setting, multipliers=form)
        assert f"latency {prj.latency} clock(s)" in text
        assert f"adder levels per stage {', '.join(map(str, plan.pipeline.stage_depths))}" in text
        top = (prj.path / "rtl" / f"{prj.top}.v").read_text()
        assert f"in {prj.latency} register stages" in top and f"N + {prj.latency + 9}" in (prj.path / "tb" /
                                                                                           "tb.sv").read_text()
    assert "latency 1 clock(s)" in g.summary(io="parallel") and "pipeline:" not in g.summary(io="parallel")
    assert schedule(g, "parallel").latency == 1 and schedule(g, "parallel").pipeline is None


def test_report_and_estimate_count_the_stages() -> None:
    from hwq.report import make_report

    g = residual_graph()
    flat, piped = estimate(g, io="parallel"), estimate(g, io="parallel", pipeline=3)
    plan = plan_pipeline(as_printed(g), 3)
    assert (flat.latency, piped.latency) == (1, 3) and piped.ffs == flat.ffs + plan.register_bits
    report = make_report(g, yosys="none", io="parallel", pipeline=3)
    assert report.totals["latency"] == 3 and report.totals["stage_depths"] == plan.stage_depths
    assert any("3 register stages" in note for note in report.notes)


def test_settings_that_are_refused(tmp_path: Path) -> None:
    g = residual_graph()
    for bad in (0, -1, True, 2.0, {"depth": 2}, {"max_depth": 0}, "3"):
        with pytest.raises(ValueError, match="pipeline="):
            emit_verilog(g, tmp_path / "bad", io="parallel", pipeline=bad)
    with pytest.raises(ValueError, match="Verilog"):
        hwq.emit(g, tmp_path / "hls", backend="vitis", pipeline=2)
    with pytest.raises(ScheduleError, match="stream"):
        emit_verilog(_cnn(), tmp_path / "stream", io="stream", pipeline=2)
    assert not (tmp_path / "bad").exists() and not (tmp_path / "stream").exists()


def test_cli_takes_a_pipeline() -> None:
    from hwq.cli import build_parser

    parse = build_parser().parse_args
    assert parse(["convert", "m.keras", "-o", "x", "--pipeline", "3"]).pipeline == 3
    assert parse(["report", "m.keras", "--pipeline", "max_depth=4"]).pipeline == {"max_depth": 4}
    with pytest.raises(SystemExit):
        parse(["report", "m.keras", "--pipeline", "0"])


# --- slow: Verilator builds -------------------------------------------------------------------------

def _inputs(graphs: list[Graph], n: int) -> list:
    rng = np.random.default_rng(11)
    out = []
    for g in graphs:
        ports = port_mantissas(rng, g, n)
        out.append(ports[0] if len(ports) == 1 else ports)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("latency", [2, 3])
def test_pipelined_designs_equal_simulate(suite, latency: int, tmp_path: Path) -> None:
    """Every graph of the suite cut into `latency` stages of its own, side by side in one build, with in_valid low
    a quarter of the clocks (other data on the ports then): every result exactly simulate's, `latency` clocks after
    its input (run_bundle checks the clocks)."""
    _verilator()
    inputs = _inputs(suite, SAMPLES)
    results = run_bundle(suite, inputs, tmp_path, pipeline=latency, gaps=0.25)
    for g, got, want in zip(suite, results, expected(suite, inputs), strict=True):
        for a, b in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want],
                        strict=True):
            np.testing.assert_array_equal(a, b, err_msg=g.name)


@pytest.mark.slow
def test_max_depth_project_equals_simulate(suite, tmp_path: Path) -> None:
    """The user's path: hwq.emit(pipeline={"max_depth": 2}) of the suite as one graph, compiled, predicted back to
    back and with gaps in in_valid; the latency what the summary says; a reopened project predicts the same."""
    _verilator()
    graph = union([copy.deepcopy(g) for g in suite], name="suite")
    setting = {"max_depth": 2}
    prj = hwq.emit(graph, tmp_path / "prj", backend="verilog", io="parallel", pipeline=setting).compile()
    assert f"latency {prj.latency} clock(s)" in graph.summary(io="parallel", pipeline=setting)
    assert prj.latency == plan_pipeline(graph, setting).latency > 10
    m_in = port_mantissas(np.random.default_rng(5), graph, SAMPLES)
    want = simulate_mantissas(graph, m_in)
    for got in (prj.predict_mantissas(m_in), prj.run_ports(m_in, gaps=0.3, seed=2)):
        for g, w, name in zip(got, want, graph.outputs, strict=True):
            np.testing.assert_array_equal(g, w, err_msg=name)
    again = VerilogProject.open(prj.path)
    assert again.latency == prj.latency
    for g, w in zip(again.compile().run_ports([m[:50] for m in m_in], gaps=0.5, seed=3), want, strict=True):
        np.testing.assert_array_equal(g, w[:50])


@pytest.mark.slow
def test_pipelined_project_standalone_check(tmp_path: Path) -> None:
    """`make check` without Python on a 3-stage design: passes, and names the first vector once one is changed."""
    root = _verilator()
    if shutil.which("make") is None:
        pytest.skip("no make")
    prj = hwq.emit(residual_graph(), tmp_path / "prj", backend="verilog", io="parallel", pipeline=3)
    env = {**os.environ, "PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}", "VERILATOR_ROOT": str(root)}
    run = subprocess.run(["make", "check"], cwd=prj.path, capture_output=True, text=True, env=env)
    assert run.returncode == 0 and "PASS 256 vectors" in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]
    expected_hex = prj.path / "tb" / "expected.hex"
    lines = expected_hex.read_text().split()
    lines[5] = f"{int(lines[5], 16) ^ 1:0{len(lines[5])}x}"
    expected_hex.write_text("\n".join(lines) + "\n")
    run = subprocess.run(["make", "check"], cwd=prj.path, capture_output=True, text=True, env=env)
    assert run.returncode != 0 and "FAIL vector 5" in run.stdout, run.stdout[-2000:]
