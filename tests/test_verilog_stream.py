"""Streaming Verilog (io="stream"): stages over pixel streams with AXI4-Stream ports, run by cocotb and cocotbext-axi.

The fast tests lint the RTL (the primitives over many parameters, and the tops of random CNNs) and check the
ports and the design summary. The slow ones build random CNNs side by side with a graph of mixed forms (two
inputs, a stream output, a fork joined again, collectors, vector joins), stream images through them under
random gaps and backpressure (equal to simulate, and as many clocks per image as the schedule says), catch a
line buffer edited to read the wrong row, run a project's own `make check`, and stream the MNIST CNN.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from support.branching import union
from support.cnn_graphs import random_cnn_graph
from support.graphs import random_tensor
from test_verilog import _lint, _verilator

import hwq
from hwq.backends.vectors import test_vectors
from hwq.backends.verilog import VerilogProject, emit_verilog
from hwq.backends.verilog.stream import StreamProject
from hwq.backends.verilog.stream.design import PRIMITIVES
from hwq.backends.verilog.verilator import SimulationError, tool_environment
from hwq.fixed import FixedType
from hwq.ir import Graph, Value
from hwq.ir.build import (
    add_node,
    concatenate_node,
    dense_node,
    make_node,
    multiply_node,
    quantize_node,
    relu_node,
    reshape_node,
)
from hwq.ir.ops.kernel import multiplier_kind
from hwq.passes.schedule import schedule
from hwq.resources import templates_dir
from hwq.sim import simulate_mantissas

pytestmark = pytest.mark.xdist_group("verilator")

UNION_SEEDS = (3, 4, 8, 12, 21, 31)  # 1-D and 2-D; convs grouped, strided, dilated, padded; residual adds, ...
IMAGES = 60
MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "models"


def mixed_graph() -> Graph:
    """Both forms and every way they meet: an image and a vector input; a conv (asymmetric padding) whose
    quantized result is a stream output and is read twice more (relu, and a multiply joining the two branches:
    a fork that needs a FIFO); a stream read twice by one node and joined along rows (two collectors); a flatten,
    a dense, and a vector joined with the vector input; padded max and sum pools as stream outputs. Names clash
    with the primitives and Verilog keywords."""
    rng = np.random.default_rng(5)
    x = Value("x", (6, 5, 2), FixedType(6, 2, True, "RND", "SAT"))
    v = Value("v", (4,), FixedType(5, 1, False))
    k = random_tensor(rng, (3, 3, 2, 3), FixedType(4, 1))
    c = make_node("conv", "hwq_fifo", [x], "c", {"strides": [1, 1], "padding": [[1, 1], [2, 0]], "groups": 1,
                                                  "dilation": [1, 1], "multiplier": multiplier_kind(k)}, {"kernel": k})
    q = quantize_node("q", c.output, FixedType(6, 2, True, "RND_CONV", "SAT"), "q_out")
    r = relu_node("relu", q.output, "r")
    m = multiply_node("mul", [q.output, r.output], "m")
    cat = concatenate_node("rows", [m.output, m.output], 0, "cat")
    f = reshape_node("flat", cat.output, [cat.output.size], "f")
    qf = quantize_node("qf", f.output, FixedType(6, 1, True, "RND", "SAT"), "qf_out")
    d = dense_node("dense", qf.output, random_tensor(rng, (qf.output.size, 3), FixedType(4, 1)), None, "d")
    j = concatenate_node("join", [d.output, v], 0, "j")
    # padded pools: the max pool's padding is the signed type's minimum, the sum pool's zero
    pm = make_node("pool", "pmax", [q.output], "pm", {"mode": "max", "size": [2, 3], "strides": [2, 1],
                                                       "padding": [[1, 0], [1, 1]]})
    ps = make_node("pool", "psum", [r.output], "ps", {"mode": "sum", "size": [3, 2], "strides": [1, 2],
                                                       "padding": [[1, 1], [0, 1]]})
    return Graph("hwq_window", [x, v], [c, q, r, m, cat, f, qf, d, j, pm, ps], ["q_out", "j", "pm", "ps"]).validate()


def residual_graph() -> Graph:
    """A 3 x 3 conv (two line buffers) beside its input, added back (a FIFO on the skip), pooled, flattened."""
    rng = np.random.default_rng(2)
    x = Value("x", (8, 10, 2), FixedType(6, 2, True, "RND", "SAT"))
    k = random_tensor(rng, (3, 3, 2, 2), FixedType(4, 1))
    c = make_node("conv", "c", [x], "c_out", {"strides": [1, 1], "padding": [[1, 1], [1, 1]], "groups": 1,
                                              "multiplier": multiplier_kind(k)}, {"kernel": k})
    q = quantize_node("q", c.output, FixedType(6, 2, True, "RND", "SAT"), "q_out")
    a = add_node("a", [x, q.output], "a_out")
    p = make_node("pool", "p", [a.output], "p_out", {"mode": "max", "size": [2, 2], "strides": [2, 2],
                                                     "padding": [[0, 0], [0, 0]]})
    f = reshape_node("f", p.output, [p.output.size], "f_out")
    d = dense_node("d", f.output, random_tensor(rng, (f.output.size, 2), FixedType(4, 1)), None, "d_out")
    return Graph("residual", [x], [c, q, a, p, f, d], ["d_out"]).validate()


def _as_list(m) -> list:
    return m if isinstance(m, list) else [m]


def _mismatches(got: list[np.ndarray], want: list[np.ndarray]) -> int:
    return sum(int((np.asarray(g) != np.asarray(w)).any(axis=1).sum()) for g, w in zip(got, want, strict=True))


# --- fast: no simulator build -----------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    ("hwq_window", "-GH=4 -GW=1 -GKH=2 -GKW=1"),
    ("hwq_window", "-GH=6 -GW=5 -GKH=3 -GKW=3 -GSW=2 -GDH=2 -GPAD_T=1 -GPAD_R=2"),
    ("hwq_window", "-GH=1 -GW=7 -GKW=3 -GDW=2 -GPAD_L=1 -GPAD_R=1"),
    ("hwq_upsample", "-GW=1 -GUH=2 -GUW=1"),
    ("hwq_upsample", "-GW=5 -GUH=3 -GUW=2"),
    ("hwq_crop", "-GH=5 -GW=4 -GCROP_T=1 -GCROP_B=1 -GCROP_R=2"),
    ("hwq_pad", "-GH=3 -GW=4 -GPAD_T=2 -GPAD_L=1"),
    ("hwq_fifo", "-GDEPTH=1"), ("hwq_fifo", "-GDEPTH=6"), ("hwq_fifo", "-GDEPTH=0"),
    ("hwq_collect", "-GN=2"), ("hwq_collect", "-GN=25"), ("hwq_collect", "-GN=1"),
    ("hwq_last", "-GN=1"), ("hwq_last", "-GN=30"), ("hwq_fork", "-GN=3"), ("hwq_join", "-GN=1"),
])
def test_primitives_lint_clean(params: tuple[str, str]) -> None:
    """Each hand-written primitive is free of -Wall warnings, over parameters that take every generate branch."""
    _verilator()
    top, settings = params
    folder = templates_dir() / "verilog" / "rtl"
    with tool_environment():
        run = subprocess.run(["verilator", "--lint-only", "-Wall", "-Wno-UNUSEDSIGNAL", *settings.split(),
                              "--top-module", top, *(str(folder / f"{p}.v") for p in PRIMITIVES)],
                             capture_output=True, text=True)
    assert run.returncode == 0 and "%Warning" not in run.stderr, run.stderr


@pytest.mark.parametrize("seed", [0, 2, 8, 17])
def test_random_cnn_stream_rtl_lints_clean(tmp_path: Path, seed: int) -> None:
    _verilator()
    prj = emit_verilog(random_cnn_graph(np.random.default_rng(seed)), tmp_path / "prj", io="stream")
    run = _lint(prj.sources, prj.top)
    assert run.returncode == 0 and "%Warning" not in run.stderr, run.stderr


def test_stream_project_ports_and_summary(tmp_path: Path) -> None:
    """AXI4-Stream ports named by count, tdata in whole bytes; the summary gives the schedule's figures; the
    project reopens as a StreamProject; the parallel top is unchanged."""
    graph = mixed_graph()
    prj = emit_verilog(graph, tmp_path / "prj", io="stream")
    assert isinstance(prj, StreamProject) and isinstance(VerilogProject.open(prj.path), StreamProject)
    plan = schedule(graph, "stream")
    top = (prj.path / "rtl" / f"{prj.top}.v").read_text()
    assert prj.top != "hwq_window" and (prj.path / "rtl" / "hwq_window.v").is_file()  # no clash with a primitive
    for decl in ("input  wire [15:0] s0_axis_tdata", "input  wire [23:0] s1_axis_tdata", "output wire s1_axis_tready",
                 "input  wire s0_axis_tlast", "output wire [23:0] m0_axis_tdata", "output wire m1_axis_tlast",
                 "input  wire m1_axis_tready"):
        assert decl in top, decl
    assert f"Schedule: {plan.clocks_per_image} clocks per image" in top and f"latency {plan.latency} clocks" in top
    assert "line buffer 2 x 7 px" in top and "FIFO [1, 0]" in top  # the conv's rows, the fork's FIFO
    assert {f"rtl/{p}.v" for p in PRIMITIVES} <= set((prj.path / "rtl" / "files.f").read_text().split())
    assert len((prj.path / "tb" / "input.hex").read_text().split()) == 256
    parallel = (emit_verilog(graph, tmp_path / "par", io="parallel").path / "rtl" / "l_hwq_window.v").read_text()
    assert "input  wire in_valid" in parallel and "axis" not in parallel


# --- slow: Verilator builds -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def union_project(tmp_path_factory) -> tuple[Graph, StreamProject]:
    _verilator()
    graphs = [random_cnn_graph(np.random.default_rng(s), name=f"cnn{s}") for s in UNION_SEEDS]
    graph = union([*graphs, mixed_graph()], name="stream_union")
    prj = emit_verilog(graph, tmp_path_factory.mktemp("stream") / "union", io="stream")
    return graph, prj.compile()


@pytest.mark.slow
def test_random_cnns_equal_simulate_under_backpressure(union_project) -> None:
    """Random CNNs and the mixed graph side by side, 60 images each through the AXI4-Stream ports with random
    gaps and backpressure: the mantissas simulate gives, image by image; every stage steps as the schedule's
    model does, so without backpressure the RTL takes exactly the clocks per image it predicts."""
    graph, prj = union_project
    m_in, m_out = test_vectors(graph, IMAGES, seed=3)
    got = prj.run_ports(m_in, stall=0.4, gaps=0.4, seed=1, expected=m_out)  # the testbench compares too
    assert _mismatches(got, m_out) == 0
    assert prj.last_run.images == IMAGES and prj.last_run.clocks_per_image > schedule(graph, "stream").clocks_per_image
    assert _mismatches(_as_list(prj.run_ports(m_in, stall=0.0, gaps=0.0)), m_out) == 0
    assert prj.last_run.clocks_per_image == schedule(graph, "stream").clocks_per_image
    x = [np.random.default_rng(4).uniform(-4, 4, size=(5, *v.shape)) for v in graph.inputs]
    for got, want in zip(prj.predict(x), graph.simulate(x), strict=True):  # floats in, quantized as simulate does
        np.testing.assert_array_equal(got, want)


@pytest.fixture(scope="module")
def residual_project(tmp_path_factory) -> StreamProject:
    _verilator()
    return emit_verilog(residual_graph(), tmp_path_factory.mktemp("stream") / "residual", io="stream").compile()


@pytest.mark.slow
def test_a_broken_line_buffer_is_caught(residual_project: StreamProject, tmp_path: Path) -> None:
    """The same project with its window primitive edited so that the second line buffer is fed the current row
    instead of the one above it (the window's top row then reads the wrong row): the testbench sees it."""
    graph = residual_project.graph
    m_in, m_out = test_vectors(graph, 20, seed=5)
    assert _mismatches(_as_list(residual_project.predict_mantissas(m_in)), m_out) == 0
    broken = tmp_path / "broken"
    shutil.copytree(residual_project.path, broken, ignore=shutil.ignore_patterns("sim_build", "tb_build"))
    window = broken / "rtl" / "hwq_window.v"
    right = "mem[c[AW-1:0]] <= rows[j*PB +: PB];"
    assert right in window.read_text()
    window.write_text(window.read_text().replace(right, "mem[c[AW-1:0]] <= rows[0 +: PB];"))
    prj = VerilogProject.open(broken).compile()
    bad = _mismatches(_as_list(prj.predict_mantissas(m_in)), m_out)
    assert bad >= 15, f"only {bad} of 20 images differ"
    with pytest.raises(SimulationError, match="images differ, the first is image"):
        prj.run_ports(m_in, expected=m_out)


@pytest.mark.slow
def test_stream_project_standalone_check(residual_project: StreamProject, tmp_path: Path) -> None:
    """`make check` without Python: every transfer of 256 images through the AXI ports, with gaps and
    backpressure, passes; one bit changed in an expected image fails, naming the image and transfer."""
    root = _verilator()
    if shutil.which("make") is None:
        pytest.skip("no make")
    path = tmp_path / "check"
    shutil.copytree(residual_project.path, path, ignore=shutil.ignore_patterns("sim_build"))
    env = {**os.environ, "PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}", "VERILATOR_ROOT": str(root)}
    run = subprocess.run(["make", "check"], cwd=path, capture_output=True, text=True, env=env)
    assert run.returncode == 0 and "PASS 256 images" in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]
    expected = path / "tb" / "expected.hex"
    lines = expected.read_text().split()
    lines[9] = f"{int(lines[9], 16) ^ (1 << 3):0{len(lines[9])}x}"
    expected.write_text("\n".join(lines) + "\n")
    run = subprocess.run(["make", "check"], cwd=path, capture_output=True, text=True, env=env)
    assert run.returncode != 0 and "FAIL m_axis image 9 transfer 0" in run.stdout, run.stdout[-2000:]


@pytest.mark.slow
@pytest.mark.skipif(not (MODELS / "qkeras_mnist_cnn.json").is_file(), reason=f"no shared models at {MODELS}")
def test_mnist_cnn_streams(tmp_path: Path) -> None:
    """The QKeras MNIST CNN as a stream: it builds, equals simulate on 200 images under backpressure, and takes
    one clock per input pixel (784 per image) when nothing stalls it."""
    _verilator()
    model = hwq.load_qkeras(MODELS / "qkeras_mnist_cnn.json", MODELS / "qkeras_mnist_cnn_weights.h5")
    graph = hwq.lower(model, input_type="ap_ufixed<8,0>", until="q_dense")
    prj = emit_verilog(graph, tmp_path / "mnist", io="stream")
    start = time.perf_counter()
    prj.compile()
    build = time.perf_counter() - start
    m_in = np.random.default_rng(7).integers(0, 256, size=(200, 784))
    want = simulate_mantissas(graph, m_in)
    assert _mismatches([prj.predict_mantissas(m_in)], [want]) == 0
    start = time.perf_counter()
    assert _mismatches([prj.run_ports([m_in], stall=0.0, gaps=0.0)[0]], [want]) == 0
    rate = 200 / (time.perf_counter() - start)
    assert prj.last_run.clocks_per_image <= 1.1 * 784
    print(f"\nMNIST stream: Verilator build {build:.1f} s, {prj.last_run.clocks_per_image:.0f} clocks per image, "
          f"latency {prj.last_run.latency} clocks, {rate:.0f} images/s through cocotb")
