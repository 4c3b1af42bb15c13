"""The parallelism knob in streaming Verilog: a dense, conv or affine stage given fewer multiply-accumulates per clock
than its full output pixel computes each position over ii = ceil(full / parallelism) clocks, with its products
shared over the steps (hwq/backends/verilog/ops/sliced.py).

The fast tests check the settings (an invalid one is the schedule's error, the full one is the default design byte
for byte) and count the products the sliced stages print. The slow ones synthesise a conv stage at full and reduced
parallelism (fewer LUTs) and build several graphs side by side at several settings (ii 2 and 3, a non-divisor of
the output channels, more steps than outputs, affine and grouped convs, a dense over rows, a conv computed as one
vector): equal to simulate under random backpressure, and as many clocks per image as the schedule says.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from support.branching import union
from support.cnn_graphs import random_cnn_graph
from support.graphs import random_tensor
from test_schedule import _mnist_like
from test_verilog import _verilator

from hwq.backends.vectors import test_vectors
from hwq.backends.verilog import VerilogProject, emit_verilog
from hwq.backends.verilog.stream import StreamProject
from hwq.fixed import FixedType
from hwq.ir import Graph, Value
from hwq.ir.build import dense_node, make_node, reshape_node
from hwq.ir.ops.kernel import multiplier_kind
from hwq.passes.schedule import ScheduleError, check_stream, schedule

pytestmark = pytest.mark.xdist_group("verilator")

IMAGES = 12
PRODUCT = re.compile(r"^\s*wire signed \[\d+:0\] p\d+_\d+ =", re.M)


def vector_graph() -> Graph:
    """No image: a vector reshaped into rows (a dense over the last axis of a matrix, the same sums per row) and
    into a small padded image (a conv computed as one vector, every output position at once)."""
    rng = np.random.default_rng(11)
    x = Value("v", (24,), FixedType(6, 2, True, "RND", "SAT"))
    rows = reshape_node("rows", x, [4, 6], "r")
    d = dense_node("dense", rows.output, random_tensor(rng, (6, 3), FixedType(5, 2)),
                   random_tensor(rng, (3,), FixedType(6, 3)), "d")
    img = reshape_node("img", x, [4, 3, 2], "i")
    k = random_tensor(rng, (2, 2, 2, 2), FixedType(4, 1))
    c = make_node("conv", "conv", [img.output], "c", {"strides": [1, 1], "padding": [[1, 0], [0, 1]], "groups": 1,
                                                      "multiplier": multiplier_kind(k)},
                  {"kernel": k, "bias": random_tensor(rng, (2,), FixedType(5, 2))})
    return Graph("vectors", [x], [rows, d, img, c], ["d", "c"]).validate()


def _setting(graph: Graph, ii: dict[str, int]) -> dict[str, int]:
    """Multiply-accumulates per clock that give each named node the initiation interval asked for."""
    full = schedule(graph, "stream")
    return {name: -(-full.node(name).parallelism // k) for name, k in ii.items()}


def _full_products(text: str) -> int:
    """Products in a full-parallel kernel module: operand references in its sums (x<i> times a constant, shifted,
    or alone)."""
    sums = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("wire"))
    return len(re.findall(r"\bx\d+\b", sums))


# --- fast: no simulator build -----------------------------------------------------------------------

def test_invalid_parallelism_is_refused_with_the_schedules_error(tmp_path: Path) -> None:
    g = _mnist_like()
    with pytest.raises(ScheduleError, match="'q1'.*not a dense, conv or affine.*c1, d"):
        emit_verilog(g, tmp_path / "a", io="stream", parallelism={"q1": 2})
    with pytest.raises(ScheduleError, match="parallelism 99 for node 'c1': between 1 and 36"):
        emit_verilog(g, tmp_path / "b", io="stream", parallelism={"c1": 99})
    with pytest.raises(ScheduleError, match="parallelism 0 for node 'd'"):
        emit_verilog(g, tmp_path / "c", io="stream", parallelism={"d": 0})
    with pytest.raises(ScheduleError, match=r"io='parallel' computes every node at once.*\(for c1\) needs io='stream'"):
        emit_verilog(g, tmp_path / "d", io="parallel", parallelism={"c1": 18})
    assert not any(tmp_path.iterdir())  # nothing written


def test_full_parallelism_is_the_default_design(tmp_path: Path) -> None:
    """Every node at its full parallelism, said or not, is the same project byte for byte; a reduced one reopens
    with its parallelism (read from schedule.json) and its schedule."""
    g = _mnist_like()
    default = emit_verilog(g, tmp_path / "default", io="stream")
    full = emit_verilog(g, tmp_path / "full", io="stream", parallelism=_setting(g, {"c1": 1, "d": 1}))
    files = sorted(p.relative_to(default.path) for p in default.path.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(full.path) for p in full.path.rglob("*") if p.is_file())
    for f in files:
        assert (default.path / f).read_bytes() == (full.path / f).read_bytes(), f
    assert emit_verilog(g, tmp_path / "par", io="parallel", parallelism=_setting(g, {"c1": 1})).top == "mnist_like"
    reduced = emit_verilog(g, tmp_path / "reduced", io="stream", parallelism={"c1": 12})
    again = VerilogProject.open(reduced.path)
    assert isinstance(again, StreamProject) and again.parallelism == {"c1": 12}
    assert again.schedule().clocks_per_image == 28 * 28 + 2 * 26 * 26  # three clocks per output position
    top = (reduced.path / "rtl" / "mnist_like.v").read_text()
    assert "ii 3" in top and "assign c1_gated_valid = x_to_c1_valid & ~c1_busy;" in top


@pytest.mark.parametrize(("node", "ii"), [("c1", 2), ("c1", 3), ("c1", 4), ("d", 2), ("d", 3), ("d", 7)])
def test_a_sliced_stage_prints_fewer_products(tmp_path: Path, node: str, ii: int) -> None:
    """A stage at ii clocks per position prints about 1/ii of the products (ceil(cout / ii) output channels per
    clock, or one channel in chunks when ii exceeds them) where the full design prints one per nonzero weight."""
    g = _mnist_like()
    module = f"mnist_like_{node}.v"
    full = _full_products((emit_verilog(g, tmp_path / "full", io="stream").path / "rtl" / module).read_text())
    prj = emit_verilog(g, tmp_path / "sliced", io="stream", parallelism=_setting(g, {node: ii}))
    products = len(PRODUCT.findall((prj.path / "rtl" / module).read_text()))
    kernel = g.node(node).params["kernel"].mantissa
    n_in, cout = math.prod(kernel.shape[:-1]), kernel.shape[-1]
    assert full == np.count_nonzero(kernel)
    assert 0 < products < full
    assert products <= -(-cout // ii) * n_in if ii <= cout else products <= -(-n_in // (ii // cout))


# --- slow: Yosys, Verilator builds ------------------------------------------------------------------

@pytest.mark.slow
def test_a_sliced_conv_stage_synthesises_smaller(tmp_path: Path) -> None:
    """MNIST-like conv (3 x 3 x 1 -> 4 channels): its stage module at ii 4 takes fewer LUTs than at full parallelism
    (Yosys, Xilinx 7-series, no DSPs), its registers (the held window, the finished slices) aside."""
    from hwq.hardware_cost import YosysError, synthesise

    g = _mnist_like()
    luts = {}
    for ii in (1, 4):
        prj = emit_verilog(g, tmp_path / f"ii{ii}", io="stream", parallelism=_setting(g, {"c1": ii}))
        try:
            luts[ii] = synthesise([prj.path / "rtl" / "mnist_like_c1.v"], "mnist_like_c1").luts
        except YosysError as e:
            pytest.skip(str(e))
    assert luts[4] < 0.85 * luts[1], luts


def _cnn(seed: int):
    return lambda: random_cnn_graph(np.random.default_rng(seed))


SETTINGS = [  # (graph, the initiation interval of each kernel node, None: full parallelism)
    (_mnist_like, lambda n: 3 if n.name == "c1" else None),  # 3 does not divide the conv's 4 channels
    (_cnn(8), lambda n: 7 if n.op == "dense" else 3),  # padded convs, a grouped conv, an affine; the dense's 3
    # outputs over 7 steps: each sum in 2 chunks
    (_cnn(19), lambda n: 2),  # a grouped conv (4 groups), affines; the dense's 3 outputs as 2, then 1
    (vector_graph, lambda n: {"dense": 4, "conv": 3}[n.name]),  # a dense over rows, a conv as one vector
]


@pytest.fixture(scope="module")
def parallelism_project(tmp_path_factory) -> tuple[Graph, dict[str, int], StreamProject]:
    _verilator()
    graphs, parallelism = [], {}
    for k, (make, ii_of) in enumerate(SETTINGS):
        g = make()
        kernels = [n for n in g.nodes if n.op in ("dense", "conv", "affine") and ii_of(n)]
        setting = _setting(g, {n.name: ii_of(n) for n in kernels})
        parallelism.update({f"g{k}_{name}": p for name, p in setting.items()})
        graphs.append(g)
    graph = union(graphs, name="parallelism")
    prj = emit_verilog(graph, tmp_path_factory.mktemp("parallelism") / "union", io="stream", parallelism=parallelism)
    return graph, parallelism, prj.compile()


@pytest.mark.slow
def test_reduced_parallelism_equals_simulate_and_the_schedule(parallelism_project) -> None:
    """Every setting side by side: images through the AXI4-Stream ports under random gaps and backpressure equal
    simulate; without them the RTL takes the clocks per image the schedule (and check_stream) predicts."""
    graph, parallelism, prj = parallelism_project
    plan = schedule(graph, "stream", parallelism)
    assert {plan.node(n).ii for n in parallelism} == {2, 3, 4, 7}
    m_in, m_out = test_vectors(graph, IMAGES, seed=3)
    got = prj.run_ports(m_in, stall=0.3, gaps=0.3, seed=2, expected=m_out)  # the testbench compares too
    assert all((np.asarray(a) == np.asarray(b)).all() for a, b in zip(got, m_out, strict=True))
    got = prj.run_ports([m[:4] for m in m_in], stall=0.0, gaps=0.0, expected=[m[:4] for m in m_out])
    assert prj.last_run.clocks_per_image == plan.clocks_per_image == check_stream(graph, plan)
    assert plan.clocks_per_image == 28 * 28 + 2 * 26 * 26  # the MNIST-like conv at 3 clocks per output
