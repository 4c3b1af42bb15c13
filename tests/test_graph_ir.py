"""The graph IR: intervals, the verifier's proofs, the passes, several inputs and outputs in the simulator,
the summary, and imports that stay clear of Keras and TensorFlow."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.graphs import random_mlp, random_type
from support.op_cases import conformance_graph

from hwq.fixed import FixedType, Interval, dot_bounds
from hwq.ir import Graph, IRError, Value
from hwq.ir.build import add_node, concatenate_node, dense_node, multiply_node, quantize_node, relu_node
from hwq.passes import PIPELINES, choose_multipliers, run_passes, size_accumulators
from hwq.sim import simulate, simulate_mantissas

ROOT = Path(__file__).resolve().parents[1]


# --- intervals: the arithmetic of the proofs --------------------------------------------------------------

@pytest.mark.parametrize("seed", range(30))
def test_interval_arithmetic_is_tight(seed):
    rng = np.random.default_rng(seed)
    a, b = random_type(rng, 1, 5, modes=False), random_type(rng, 1, 5, modes=False)
    ia, ib = Interval.of_type(a), Interval.of_type(b)
    pairs = list(itertools.product(range(a.min_mantissa, a.max_mantissa + 1),
                                   range(b.min_mantissa, b.max_mantissa + 1)))
    frac = max(a.frac, b.frac)
    sums = [(x << (frac - a.frac)) + (y << (frac - b.frac)) for x, y in pairs]
    diffs = [(x << (frac - a.frac)) - (y << (frac - b.frac)) for x, y in pairs]
    prods = [x * y for x, y in pairs]
    assert (ia + ib) == Interval(min(sums), max(sums), frac)
    assert (ia - ib) == Interval(min(diffs), max(diffs), frac)
    assert (ia * ib) == Interval(min(prods), max(prods), a.frac + b.frac)
    hull = ia.hull(ib)
    assert hull.lo == min(a.min_mantissa << (frac - a.frac), b.min_mantissa << (frac - b.frac))
    t = (ia + ib).fitting_type()
    assert (ia + ib).fits(t) and not (ia + ib).fits(FixedType(t.width - 1, t.integer - 1, t.signed)) or t.width == 1


def test_dot_bounds_by_brute_force():
    x = FixedType(3, 1, True)
    kernel = np.array([[3, -2], [-1, 0], [2, 2]])
    b = dot_bounds(Interval.of_type(x), kernel, 2, np.array([1, -3]), 0)
    outs = [np.array(c) @ kernel for c in itertools.product(range(-4, 4), repeat=3)]
    frac = x.frac + 2
    assert b.frac == frac
    assert b.lo == [min(o[j] for o in outs) + (1, -3)[j] * 2 ** frac for j in range(2)]
    assert b.hi == [max(o[j] for o in outs) + (1, -3)[j] * 2 ** frac for j in range(2)]


# --- the verifier ---------------------------------------------------------------------------------------------

def test_accumulator_narrowed_in_the_json_is_refused_with_node_and_bound():
    graph = random_mlp(np.random.default_rng(8), depth=1)
    doc = graph.to_dict()
    dense = doc["nodes"][0]
    acc = FixedType.from_dict(dense["output"]["type"])
    narrow = FixedType(acc.width - 1, acc.integer - 1, acc.signed).to_dict()
    dense["output"]["type"] = narrow
    dense["attrs"]["accumulator"] = {"fixed_type": narrow}
    with pytest.raises(IRError, match=rf"'dense_0'.*narrower than the proven bound {acc}"):
        Graph.from_json(json.dumps(doc))
    with pytest.raises(IRError, match="narrower than the proven bound"):
        simulate(Graph.from_dict(doc).validate(), np.zeros((1, graph.input.size)))


def test_magnitude_bits_below_the_proof_are_refused():
    graph = random_mlp(np.random.default_rng(2), depth=1)
    graph.nodes[0].attrs["magnitude_bits"] -= 1
    with pytest.raises(IRError, match="magnitude_bits.*below the proven bound"):
        graph.validate()


def test_narrowed_sum_and_product_are_refused():
    a, b = Value("a", (2,), FixedType(6, 3)), Value("b", (2,), FixedType(5, 1, False))
    s, m = add_node("s", [a, b], "s_out"), multiply_node("m", [a, b], "m_out")
    for node in (s, m):
        t = node.output.type
        node.output.type = FixedType(t.width - 1, t.integer - 1, t.signed)
        with pytest.raises(IRError, match=rf"'{node.name}'.*narrower than the proven bound"):
            Graph("g", [a, b], [node], [node.output.name]).validate()


def test_wider_output_types_are_allowed():
    a = Value("a", (3,), FixedType(6, 3))
    s = add_node("s", [a, a], "y")
    s.output.type = FixedType(20, 10, True)
    Graph("g", [a], [s], ["y"]).validate()


@pytest.mark.parametrize("mutate, message", [
    (lambda g: g.nodes.reverse(), "no earlier node"),
    (lambda g: setattr(g.nodes[1], "name", g.nodes[0].name), "used twice"),
    (lambda g: g.outputs.append(g.inputs[0].name), "is a graph input"),
    (lambda g: setattr(g.nodes[0].output, "shape", (99,)), "output shape"),
    (lambda g: g.nodes[-1].inputs.append(g.inputs[0].name), "takes 1 input"),
])
def test_verifier_rules(mutate, message):
    graph = random_mlp(np.random.default_rng(4), depth=2)
    mutate(graph)
    with pytest.raises(IRError, match=message):
        graph.validate()


def test_concatenate_shapes_must_agree_off_axis():
    a, b = Value("a", (2, 3), FixedType(6, 3)), Value("b", (3, 3), FixedType(6, 3))
    with pytest.raises(IRError, match="differ off axis 1"):
        concatenate_node("c", [a, b], 1, "y")
    assert concatenate_node("c", [a, b], 0, "y").output.shape == (5, 3)


# --- passes -----------------------------------------------------------------------------------------------------

def test_size_accumulators_tightens_and_propagates():
    graph = random_mlp(np.random.default_rng(6), depth=2, relu=True)
    want = graph.to_dict()
    dense = graph.nodes[0]
    wide = FixedType(dense.output.type.width + 9, dense.output.type.integer + 5, True)
    dense.output.type, dense.attrs["accumulator"] = wide, wide
    nxt = graph.nodes[1]
    if nxt.op == "relu":  # a relu's type follows its input's
        nxt.output.type = FixedType(wide.width - 1, wide.integer - 1, False)
    graph.validate()  # wider than needed is still correct
    assert run_passes(graph, [size_accumulators]).to_dict() == want


def test_choose_multipliers_fills_missing_kinds_and_keeps_declared_ones():
    x = Value("x", (2,), FixedType(6, 2))
    from hwq.ir import IntTensor

    po2 = IntTensor(np.array([[2, -4], [0, 1]]), FixedType(6, 2))
    node = dense_node("d", x, po2, None, "y", multiplier="mult")
    graph = Graph("g", [x], [node], ["y"])
    assert choose_multipliers(graph).nodes[0].attrs["multiplier"] == "mult"
    del node.attrs["multiplier"]
    with pytest.raises(IRError, match="lacks attribute 'multiplier'"):
        graph.validate()
    assert run_passes(graph, [choose_multipliers]).nodes[0].attrs["multiplier"] == "barrel"


def test_a_pass_that_breaks_the_graph_is_named():
    def narrow_everything(g: Graph) -> Graph:
        for n in g.nodes:
            if n.op == "dense":
                n.output.type = n.attrs["accumulator"] = FixedType(2, 1)
        return g

    with pytest.raises(IRError, match="after pass narrow_everything: .*narrower than the proven bound"):
        run_passes(random_mlp(np.random.default_rng(1)), [narrow_everything])


def test_every_target_has_a_pipeline():
    assert {"lower", "vitis", "catapult", "verilog"} <= set(PIPELINES)
    assert PIPELINES["lower"] == [size_accumulators, choose_multipliers]


# --- several inputs and outputs, shapes ---------------------------------------------------------------------

def _two_in_two_out() -> Graph:
    a, b = Value("a", (2, 3), FixedType(6, 3, True, "RND", "SAT")), Value("b", (2, 3), FixedType(5, 1, False))
    s = add_node("s", [a, b], "s_out")
    r = relu_node("r", s.output, "r_out")
    m = multiply_node("m", [a, r.output], "m_out")
    q = quantize_node("q", m.output, FixedType(8, 4), "q_out")
    return Graph("two", [a, b], [s, r, m, q], ["q_out", "s_out"]).validate()


def test_simulate_takes_lists_and_dicts_and_keeps_shapes():
    graph = _two_in_two_out()
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-5, 5, (7, 2, 3)), rng.uniform(0, 3, (7, 2, 3))
    by_list = simulate(graph, [a, b])
    by_dict = simulate(graph, {"b": b, "a": a})
    assert [y.shape for y in by_list] == [(7, 2, 3), (7, 2, 3)]
    for u, v in zip(by_list, by_dict, strict=True):
        np.testing.assert_array_equal(u, v)
    m = simulate_mantissas(graph, [np.zeros((4, 6), dtype=np.int64), np.ones((4, 6), dtype=np.int64)])
    assert [x.shape for x in m] == [(4, 6), (4, 6)]
    with pytest.raises(ValueError, match="takes 2 inputs"):
        simulate(graph, a)
    with pytest.raises(ValueError, match="missing \\['b'\\]"):
        simulate(graph, {"a": a})


def test_summary_shows_shapes_and_fan_in():
    text = _two_in_two_out().summary()
    assert "(2, 3)" in text and "a, r_out" in text and "2 input(s), 2 output(s)" in text
    assert "read by several nodes: a (2)" in text


def test_json_round_trip_of_a_graph_of_every_op():
    graph = conformance_graph(seed=9, instances=2)
    assert Graph.from_json(graph.to_json()).to_dict() == graph.to_dict()


# --- light imports --------------------------------------------------------------------------------------------

def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return set(out.split())


def test_hwq_and_its_core_import_without_keras_or_tensorflow():
    mods = _modules_after("import hwq, hwq.ir, hwq.sim, hwq.passes, hwq.backends.hls, hwq.backends.verilog, "
                          "hwq.hardware_cost, hwq.cli")
    assert not {m for m in mods if m.split(".")[0] in ("keras", "tensorflow")}


def test_cli_help_and_sim_on_an_ir_json_load_no_tensorflow(tmp_path):
    graph = random_mlp(np.random.default_rng(3))
    graph.to_json(tmp_path / "g.json")
    np.save(tmp_path / "x.npy", np.random.default_rng(0).uniform(-2, 2, (5, graph.input.size)))
    code = (f"from hwq.cli import main\nimport contextlib, io\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
            f"    assert main(['sim', {str(tmp_path / 'g.json')!r}, '--input', {str(tmp_path / 'x.npy')!r},"
            f" '-o', {str(tmp_path / 'y.npy')!r}]) == 0")
    mods = _modules_after(code)
    assert not {m for m in mods if m.split(".")[0] in ("keras", "tensorflow")}
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), graph.simulate(np.load(tmp_path / "x.npy")))


def test_cli_sim_takes_an_npz_per_input_name_and_writes_one_per_output(tmp_path):
    from hwq.cli import main

    graph = _two_in_two_out()
    graph.to_json(tmp_path / "two.json")
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-5, 5, (9, 2, 3)), rng.uniform(0, 3, (9, 2, 3))
    np.savez(tmp_path / "x.npz", a=a, b=b)
    assert main(["sim", str(tmp_path / "two.json"), "--input", str(tmp_path / "x.npz"), "-o",
                 str(tmp_path / "y.npz")]) == 0
    want = simulate(graph, [a, b])
    with np.load(tmp_path / "y.npz") as y:
        assert y.files == graph.outputs
        for name, w in zip(graph.outputs, want, strict=True):
            np.testing.assert_array_equal(y[name], w)


@pytest.mark.parametrize("backend", ["vitis", "verilog"])
def test_emit_writes_into_an_empty_folder_and_refuses_a_full_one(tmp_path, backend):
    import hwq

    graph = random_mlp(np.random.default_rng(3))
    out = tmp_path / "prj"
    out.mkdir()
    hwq.emit(graph, out, backend=backend)  # an empty folder made beforehand is fine
    assert (out / "graph.json").is_file()
    with pytest.raises(FileExistsError, match="not empty.*overwrite"):
        hwq.emit(graph, out, backend=backend)
    (out / "mine.txt").write_text("kept")
    hwq.emit(graph, out, backend=backend, overwrite=True)
    assert not (out / "mine.txt").exists()


# --- rules found by review: each once a silent wrong answer somewhere ------------------------------------------

def test_a_value_without_dimensions_is_refused():
    with pytest.raises(IRError, match=r"'x' has shape \(\); a value has at least one dimension"):
        Graph("g", [Value("x", (), FixedType(4, 2))], [], ["x"]).validate()


def test_table_index_shift_is_capped_by_the_input_width():
    from hwq.ir import IntTensor, Node

    x = Value("x", (2,), FixedType(4, 4, True))
    node = Node("t", "table", ["x"], Value("y", (2,), FixedType(4, 4)), {"index_shift": 6, "index_lo": -1,
                                                                         "index_hi": 0},
                {"table": IntTensor(np.array([1, 2]), FixedType(4, 4))})
    with pytest.raises(IRError, match="index_shift 6 is more than the 3 bits"):
        Graph("g", [x], [node], ["y"]).validate()


def test_simulate_validates_the_graph_first():
    graph = random_mlp(np.random.default_rng(8), depth=1)
    acc = graph.nodes[0].output.type
    graph.nodes[0].output.type = graph.nodes[0].attrs["accumulator"] = FixedType(acc.width - 1, acc.integer - 1)
    with pytest.raises(IRError, match="narrower than the proven bound"):
        simulate(graph, np.zeros((1, graph.input.size)))


def test_dense_with_zero_weights_on_a_wide_input():
    from hwq.ir import IntTensor

    x = Value("x", (3,), FixedType(40, 20))
    d = dense_node("d", x, IntTensor(np.zeros((3, 2), dtype=np.int64), FixedType(4, 1)), None, "y")
    m = np.array([[1 << 38, -(1 << 39), 5]])
    assert simulate_mantissas(Graph("g", [x], [d], ["y"]).validate(), m).tolist() == [[0, 0]]


def test_relu_of_a_one_bit_signed_value():
    r = relu_node("r", Value("x", (2,), FixedType(1, 1, True)), "y")
    assert r.output.type == FixedType(1, 1, False)
    Graph("g", [Value("x", (2,), FixedType(1, 1, True))], [r], ["y"]).validate()
