"""The stream schedule: forms, line buffers, FIFO depths computed by the clocked model, clocks per image."""

from __future__ import annotations

import numpy as np
import pytest
from support.cnn_graphs import random_cnn_graph
from support.graphs import random_mlp, random_tensor

from hwq.fixed import FixedType
from hwq.ir import Graph, Value
from hwq.ir.build import make_node, quantize_node
from hwq.passes.schedule import ScheduleError, check_stream, choose_io, schedule


def _conv(name: str, x: Value, k: int, pad: int, cout: int, seed: int = 0, stride: int = 1):
    rng = np.random.default_rng(seed)
    kernel = random_tensor(rng, (k, k, x.shape[-1], cout), FixedType(4, 1))
    return make_node("conv", name, [x], f"{name}_out", {"strides": [stride, stride], "padding": [[pad, pad]] * 2,
                                                          "groups": 1, "multiplier": "mult"}, {"kernel": kernel})


def _mnist_like() -> Graph:
    x = Value("x", (28, 28, 1), FixedType(8, 0, False))
    c1 = _conv("c1", x, 3, 0, 4)
    q1 = quantize_node("q1", c1.output, FixedType(6, 0, False), "q1_out")
    p1 = make_node("pool", "p1", [q1.output], "p1_out", {"mode": "max", "size": [2, 2], "strides": [2, 2],
                                                         "padding": [[0, 0], [0, 0]]})
    f = make_node("reshape", "f", [p1.output], "f_out", {"shape": [13 * 13 * 4]})
    d = make_node("dense", "d", [f.output], "d_out", {"multiplier": "mult"},
                  {"kernel": random_tensor(np.random.default_rng(1), (676, 3), FixedType(4, 1))})
    return Graph("mnist_like", [x], [c1, q1, p1, f, d], ["d_out"]).validate()


def test_an_image_streams_at_one_pixel_per_clock():
    s = schedule(_mnist_like(), "stream")
    assert s.clocks_per_image == 28 * 28  # the input is the longest stream: one pixel per clock
    assert [n.kind for n in s.nodes] == ["window", "pixel", "window", "collect", "vector"]
    c1, p1, f = s.node("c1"), s.node("p1"), s.node("f")
    assert c1.buffer_pixels == 2 * 28 + 3 and c1.buffer_bits == c1.buffer_pixels * 8  # two rows and three taps
    assert p1.buffer_pixels == 26 + 2 and f.buffer_pixels == 13 * 13
    assert s.values["f_out"].form == "vector" and s.values["p1_out"].grid == (13, 13)
    assert c1.parallelism == 9 * 4 and s.node("d").parallelism == 676 * 3
    assert 28 * 28 < s.latency < 28 * 28 + 30


def test_padding_costs_clocks():
    x = Value("x", (8, 10, 2), FixedType(6, 2))
    c = _conv("c", x, 3, 1, 2)
    s = schedule(Graph("padded", [x], [c], ["c_out"]).validate(), "stream")
    assert s.clocks_per_image == 10 * 12  # the window walks the padded grid


def test_a_residual_join_gets_a_fifo_of_the_conv_branch_lag():
    x = Value("x", (8, 10, 2), FixedType(6, 2))
    c = _conv("c", x, 3, 1, 2)
    q = quantize_node("q", c.output, FixedType(6, 2), "q_out")
    a = make_node("add", "a", [x, q.output], "a_out")
    s = schedule(Graph("residual", [x], [c, q, a], ["a_out"]).validate(), "stream")
    skip, branch = s.node("a").fifo_depths
    assert branch == 0 and s.node("c").fifo_depths == [0]  # the conv paces the fork on a plain register
    assert 12 <= skip <= 14  # the conv's output lags its input by a padded row and a tap or two
    check_stream(Graph("residual", [x], [c, q, a], ["a_out"]), s, stall=0.6, gaps=0.4)
    too_small = schedule(Graph("residual", [x], [c, q, a], ["a_out"]), "stream")
    too_small.node("a").fifo_depths[0] = 2
    with pytest.raises(ScheduleError, match="deadlock"):
        check_stream(Graph("residual", [x], [c, q, a], ["a_out"]), too_small)


@pytest.mark.parametrize("seed", range(12))
def test_random_cnns_never_deadlock_under_backpressure(seed):
    graph = random_cnn_graph(np.random.default_rng(seed))
    s = schedule(graph, "stream")
    pixels = max(v.transfers for v in s.values.values() if v.form == "stream")
    assert s.clocks_per_image >= pixels
    for k, (stall, gaps) in enumerate([(0.0, 0.0), (0.5, 0.0), (0.3, 0.5), (0.8, 0.8)]):
        assert check_stream(graph, s, stall, gaps, seed=k) > 0  # both images came out: no deadlock


def test_parallel_schedule_and_the_automatic_choice():
    mlp = random_mlp(np.random.default_rng(0))
    assert choose_io(mlp) == "parallel" and schedule(mlp).clocks_per_image == 1
    assert choose_io(_mnist_like()) == "stream"
    small = Value("x", (6, 6, 1), FixedType(8, 0, False))
    c = _conv("c", small, 3, 0, 2)
    assert choose_io(Graph("small", [small], [c], ["c_out"])) == "parallel"
    with pytest.raises(ScheduleError, match="io='fast'"):
        choose_io(mlp, "fast")


def test_joins_of_equal_grids_after_resampling():
    a, b = Value("a", (4, 4, 1), FixedType(4, 1)), Value("b", (4, 4, 1), FixedType(4, 1))
    pa = make_node("pad", "pa", [a], "pa_out", {"padding": [[1, 0], [0, 0], [0, 0]]})
    ca = make_node("crop", "ca", [pa.output], "ca_out", {"cropping": [[0, 1], [0, 0], [0, 0]]})
    j = make_node("add", "j", [ca.output, b], "j_out")
    g = Graph("ok", [a, b], [pa, ca, j], ["j_out"]).validate()
    schedule(g, "stream")  # equal grids after the pad and crop
    up = make_node("upsample", "up", [a], "up_out", {"size": [2, 1, 1]})
    cut = make_node("crop", "cut", [up.output], "cut_out", {"cropping": [[0, 4], [0, 0], [0, 0]]})
    j2 = make_node("add", "j2", [cut.output, b], "j2_out")
    s = schedule(Graph("ok2", [a, b], [up, cut, j2], ["j2_out"]).validate(), "stream")
    assert s.node("j2").kind == "pixel" and s.node("up").buffer_pixels == 4  # a row to replay


def test_parallelism_sets_a_layers_initiation_interval():
    g = _mnist_like()
    full = schedule(g, "stream")
    assert full.node("c1").parallelism == 36 and full.node("c1").ii == 1
    half = schedule(g, "stream", {"c1": 18})
    emitting = 26 * 26
    assert half.node("c1").ii == 2 and half.clocks_per_image == 28 * 28 + emitting  # each output takes 2 clocks
    slow = schedule(g, "stream", {"c1": 5})
    assert slow.node("c1").ii == 8 and check_stream(g, slow, stall=0.5, gaps=0.5) > 0
    with pytest.raises(ScheduleError, match="'q1'.*not a dense, conv or affine.*c1, d"):
        schedule(g, "stream", {"q1": 2})
    with pytest.raises(ScheduleError, match="parallelism 99 for node 'c1': between 1 and 36"):
        schedule(g, "stream", {"c1": 99})


def test_parallel_io_refuses_parallelism_below_full():
    g = _mnist_like()
    assert schedule(g, "parallel", {"c1": 36}).io == "parallel"  # full: what the parallel design computes
    with pytest.raises(ScheduleError, match=r"io='parallel' computes every node at once.*\(for c1\) needs io='stream'"):
        schedule(g, "parallel", {"c1": 18})


def test_summary_estimate_and_cli_take_the_parallelism(tmp_path, capsys):
    """The summary, the resource estimate and `hwq report --parallelism` show the setting emit would build."""
    from hwq.cli import main
    from hwq.hardware_cost import estimate

    g = _mnist_like()
    rows = {line.split()[0]: line.split() for line in g.summary(io="stream", parallelism={"c1": 9}).splitlines()
            if line.startswith("c1 ")}
    hardware = rows["c1"]  # the hardware table's row (the node table's row comes first and is replaced)
    assert hardware[1:4] == ["window", str(28 * 28), "4"] and hardware[-1] == "9"  # the window walks the input grid
    assert f"{28 * 28 + 3 * 26 * 26} clock(s) per image" in g.summary(io="stream", parallelism={"c1": 9})
    full, sliced = ({e.node: e for e in estimate(g, io="stream", parallelism=p).nodes} for p in (None, {"c1": 9}))
    assert sliced["c1"].luts < full["c1"].luts and sliced["c1"].ffs > full["c1"].ffs
    assert sliced["d"].luts == full["d"].luts
    with pytest.raises(ScheduleError, match="needs io='stream'"):
        estimate(g, io="parallel", parallelism={"c1": 9})

    path = tmp_path / "g.json"
    g.to_json(path)
    assert main(["report", str(path), "--io", "stream", "--parallelism", "c1=9", "d=1014"]) == 0
    out = capsys.readouterr().out
    assert f"{28 * 28 + 3 * 26 * 26} clock(s) per image" in out
    d_row = [line for line in out.splitlines() if line.startswith("d ") and "vector" in line][0]
    assert d_row.split()[3] == "2"  # 2028 multiply-accumulates over two clocks
    with pytest.raises(SystemExit):
        main(["report", str(path), "--parallelism", "c1"])
    assert "give NODE=N" in capsys.readouterr().err
