"""Verilog for graphs, not chains: shaped values, fan-out, merges, several input and output ports.

The fast tests lint the RTL of every op (the conformance graph) and of a small CNN, and check the port
layout; the slow ones build a residual graph (an input read by two nodes, then added back) of 2-D values
with two inputs and two outputs, and the CNN, run them through cocotb, and run the project's own
`make check` on the residual graph.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from support.op_cases import conformance_graph, past_range_inputs, port_mantissas
from test_verilog import _lint, _verilator

import hwq
from hwq.backends.vectors import test_vectors
from hwq.backends.verilog import VerilogProject, emit_verilog
from hwq.backends.verilog.design import design
from hwq.backends.verilog.ops import REWRITES, VIEWS
from hwq.backends.verilog.vectors import read_hex, unpack_ports
from hwq.fixed import FixedType
from hwq.ir import OPS, Graph, IntTensor, Value
from hwq.ir.build import (
    add_node,
    concatenate_node,
    dense_node,
    make_node,
    multiply_node,
    quantize_node,
    relu_node,
    reshape_node,
    scale_node,
    transpose_node,
)
from hwq.ir.ops.kernel import multiplier_kind
from hwq.sim import simulate, simulate_mantissas

pytestmark = pytest.mark.xdist_group("verilator")


def residual_graph() -> Graph:
    """x (4 x 3) feeds a dense and, around it, an add (a residual block); the sum is gated by a second input
    and also transposed and joined with itself scaled. Inputs named `valid` and `data` test the port names."""
    rng = np.random.default_rng(21)
    x = Value("valid", (4, 3), FixedType(8, 3, True, "RND", "SAT"))
    g = Value("data", (4, 3), FixedType(5, 1, False, "TRN", "SAT"))
    kernel = IntTensor(rng.integers(-20, 20, size=(3, 3)), FixedType(6, 1, True))
    bias = IntTensor(rng.integers(-20, 20, size=3), FixedType(6, 2, True))
    nodes = [dense_node("dense", x, kernel, bias, "d")]
    nodes.append(quantize_node("q", nodes[-1].output, FixedType(9, 4, True, "RND_CONV", "SAT"), "qd"))
    nodes.append(relu_node("relu", nodes[-1].output, "r"))
    nodes.append(add_node("residual", [x, nodes[-1].output], "s"))  # x read a second time
    s = nodes[-1].output
    nodes.append(multiply_node("gate", [s, g], "m"))
    nodes.append(quantize_node("out_q", nodes[-1].output, FixedType(10, 5, True, "RND_INF", "SAT_SYM"), "y0"))
    nodes.append(transpose_node("t", s, [1, 0], "st"))
    nodes.append(scale_node("half", nodes[-1].output, -1, "sh"))
    nodes.append(concatenate_node("join", [nodes[-2].output, nodes[-1].output], 0, "y1"))
    return Graph("residual", [x, g], nodes, ["y0", "y1"]).validate()


def cnn_graph() -> Graph:
    """A small CNN of every window and movement op: a strided, padded 3x3 conv, a depthwise conv (multiplier 2,
    power-of-two weights: shifts), max pooling over padding, an affine (batch norm), pad, sum pooling, crop,
    upsample, then reshape and dense."""
    rng = np.random.default_rng(5)

    def kernel(shape, t: FixedType | None = None):
        t = t or FixedType(6, 1, True)
        return IntTensor(rng.integers(t.min_mantissa, t.max_mantissa, size=shape, endpoint=True), t)

    x = Value("image", (9, 8, 2), FixedType(6, 2, True, "RND", "SAT"))
    nodes = []

    def add(op, attrs=None, params=None, out_type=None):
        attrs = dict(attrs or {})
        if "kernel" in (params or {}):
            attrs["multiplier"] = multiplier_kind(params["kernel"])
        v = nodes[-1].output if nodes else x
        nodes.append(make_node(op, f"n{len(nodes)}_{op}", [v], f"v{len(nodes)}", attrs, params, out_type))

    add("conv", {"strides": [2, 2], "padding": [[1, 1], [1, 0]], "groups": 1},
        {"kernel": kernel((3, 3, 2, 4)), "bias": kernel((4,), FixedType(6, 2, True))})  # -> 5 x 4 x 4
    add("quantize", out_type=FixedType(7, 3, True, "RND_CONV", "SAT"))
    add("relu")
    po2 = IntTensor(rng.choice([-4, -2, -1, 0, 1, 2, 4], size=(3, 3, 1, 8)), FixedType(4, 1, True))
    add("conv", {"strides": [1, 1], "dilation": [1, 2], "padding": [[1, 1], [2, 2]], "groups": 4},
        {"kernel": po2})  # depthwise, multiplier 2 -> 5 x 4 x 8
    add("quantize", out_type=FixedType(8, 3, True, "RND", "SAT"))
    add("pool", {"mode": "max", "size": [2, 2], "strides": [2, 2], "padding": [[0, 1], [1, 0]]})  # -> 3 x 2 x 8
    add("affine", params={"kernel": kernel((8,)), "bias": kernel((8,), FixedType(5, 2, True))})
    add("quantize", out_type=FixedType(6, 2, True, "TRN", "WRAP"))
    add("pad", {"padding": [[1, 0], [0, 1], [0, 0]]})  # -> 4 x 3 x 8
    add("pool", {"mode": "sum", "size": [2, 2], "strides": [1, 1], "padding": [[0, 1], [1, 0]]})  # -> 4 x 3 x 8
    add("crop", {"cropping": [[1, 1], [0, 1], [0, 0]]})  # -> 2 x 2 x 8
    add("upsample", {"size": [2, 1, 1]})  # -> 4 x 2 x 8
    nodes.append(reshape_node("flatten", nodes[-1].output, [64], "flat"))
    nodes.append(dense_node("fc", nodes[-1].output, kernel((64, 5)), kernel((5,)), "logits"))
    return Graph("cnn", [x], nodes, ["logits"]).validate()


def _clean(run: subprocess.CompletedProcess) -> None:
    assert run.returncode == 0 and "%Warning" not in run.stderr, run.stderr


# --- fast: no simulator build -----------------------------------------------------------------------

@pytest.mark.parametrize("seed", [2026, 0, 1, 2])
def test_every_op_lints_clean(seed: int, tmp_path: Path) -> None:
    """Random instances of every op, side by side in one top of many ports: -Wall has nothing to say."""
    _verilator()
    prj = emit_verilog(conformance_graph(seed=seed, instances=3), tmp_path / "prj")
    _clean(_lint(prj.sources, prj.top))


def test_every_op_has_a_view() -> None:
    assert set(VIEWS) | set(REWRITES) == set(OPS), "an IR op without a Verilog view, or a view without an op"
    assert not set(VIEWS) & set(REWRITES)


def test_cnn_lints_clean(tmp_path: Path) -> None:
    _verilator()
    graph = cnn_graph()
    assert {n.op for n in graph.nodes} >= {"conv", "pool", "affine", "pad", "crop", "upsample", "dense"}
    prj = emit_verilog(graph, tmp_path / "prj")
    _clean(_lint(prj.sources, prj.top))


def test_conv_text_does_not_grow_with_the_image() -> None:
    """The sums are printed once, in a generate loop over the output positions: a 26 x 26 image prints the same
    module as a 6 x 6 one, up to the loop's bounds and slice constants (and the padded bus's few assigns)."""
    rng = np.random.default_rng(0)
    k = IntTensor(rng.integers(-31, 32, size=(3, 3, 1, 16)), FixedType(6, 1, True))

    def conv_text(n: int) -> str:
        x = Value("x", (n, n, 1), FixedType(6, 0, False))
        node = make_node("conv", "c", [x], "y", {"strides": [1, 1], "padding": [[1, 1], [1, 1]], "groups": 1,
                                                 "multiplier": "mult"}, {"kernel": k})
        graph = Graph("g", [x], [node], ["y"]).validate()
        view = design(graph).nodes[0]
        from hwq.backends.templates import render
        return render(view.template, v=view)

    small, large = conv_text(6), conv_text(26)
    assert len(large) < len(small) + 2000 and len(large) < 20_000
    assert large.count(" * ") == small.count(" * ") <= 9 * 16


def test_residual_graph_lints_clean(tmp_path: Path) -> None:
    _verilator()
    prj = emit_verilog(residual_graph(), tmp_path / "prj")
    _clean(_lint(prj.sources, prj.top))


def test_ports_of_a_graph_with_several_inputs_and_outputs() -> None:
    """in_<value> / out_<value>, legal and unique: `valid` and `data` must not become in_valid or in_data."""
    graph = residual_graph()
    d = design(graph)
    assert [p.name for p in d.inputs] == ["in_valid_1", "in_data_1"]
    assert [p.name for p in d.outputs] == ["out_y0", "out_y1"]
    assert [p.bits for p in d.inputs] == [4 * 3 * 8, 4 * 3 * 5]
    assert d.outputs[1].shape == (6, 4)
    with pytest.raises(ValueError, match="2 input ports"):
        _ = d.input
    assert [type(v).__name__ for v in d.nodes] == ["DenseView", "QuantizeView", "ReluView", "AddView", "MultiplyView",
                                                   "QuantizeView", "TransposeView", "ScaleView", "ConcatenateView"]
    # the add reads the graph input and the relu's wire; the top registers both outputs
    add = d.instances[3]
    assert add.pins == [("x0", "in_valid_1"), ("x1", d.wires[2].name), ("y", d.wires[3].name)]
    assert d.results == [d.wires[5].name, d.wires[8].name]


def test_one_port_designs_keep_in_data_and_out_data() -> None:
    x = Value("x", (2, 2), FixedType(6, 2, True))
    graph = Graph("one", [x], [quantize_node("q", x, FixedType(4, 1, True, "RND", "SAT"), "y")], ["y"]).validate()
    d = design(graph)
    assert (d.input.name, d.output.name, d.input.bits, d.output.bits) == ("in_data", "out_data", 24, 16)


def test_test_vectors_pack_every_port_on_one_line(tmp_path: Path) -> None:
    """tb/input.hex: port 0 in the low bits; tb/expected.hex: what simulate gives for those inputs."""
    graph = residual_graph()
    prj = emit_verilog(graph, tmp_path / "prj")
    words = read_hex((prj.path / "tb" / "input.hex").read_text())
    m_in = unpack_ports(words, [(v.size, v.type.width, v.type.signed) for v in graph.inputs])
    want_in, want_out = test_vectors(graph, len(words))
    for got, want in zip(m_in, want_in, strict=True):
        np.testing.assert_array_equal(got, want)
    out = unpack_ports(read_hex((prj.path / "tb" / "expected.hex").read_text()),
                       [(v.size, v.type.width, v.type.signed) for v in graph.output_values])
    for got, want in zip(out, simulate_mantissas(graph, m_in), strict=True):
        np.testing.assert_array_equal(got, want)
    tb = (prj.path / "tb" / "tb.sv").read_text()
    assert "{in_data_1, in_valid_1} <= inputs[sent]" in tb and "results = {out_y1, out_y0}" in tb
    again = VerilogProject.open(prj.path)
    assert (again.input_ports, again.output_ports) == (["in_valid_1", "in_data_1"], ["out_y0", "out_y1"])


def test_multiplier_free_ops_have_no_arithmetic(tmp_path: Path) -> None:
    """Transpose, scale and concatenate are wiring; add has no `*`."""
    graph = residual_graph()
    prj = emit_verilog(graph, tmp_path / "prj")
    modules = {node.op: view.module for node, view in zip(graph.nodes, design(graph).nodes, strict=True)}
    for op in ("transpose", "scale", "concatenate", "add"):
        body = re.sub(r"//.*", "", (prj.path / "rtl" / f"{modules[op]}.v").read_text()).split(");", 1)[1]
        if op == "add":  # (`*` appears only in the generate loop's constant slices, i*8)
            assert "= a0 + a1;" in body and not re.search(r"a\d \*", body), body
        else:
            assert "assign" in body and not re.search(r"[-+*]", body), body


# --- slow: Verilator builds -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def residual_project(tmp_path_factory) -> VerilogProject:
    return emit_verilog(residual_graph(), tmp_path_factory.mktemp("residual") / "prj")


@pytest.mark.slow
def test_residual_graph_equals_simulate(residual_project: VerilogProject) -> None:
    """Through cocotb, every port driven and read: mantissas and floats (past the input ranges) as simulate."""
    _verilator()
    graph = residual_project.graph
    rng = np.random.default_rng(3)
    m_in = port_mantissas(rng, graph, 600)
    got = residual_project.compile().predict_mantissas(m_in)
    for g, w in zip(got, simulate_mantissas(graph, m_in), strict=True):
        np.testing.assert_array_equal(g, w)
    x = past_range_inputs(rng, graph, 400)
    for g, w in zip(residual_project.predict(x), simulate(graph, x), strict=True):
        assert g.shape == w.shape
        np.testing.assert_array_equal(g, w)
    assert [len(m) for m in residual_project.predict_mantissas([m[:0] for m in m_in])] == [0, 0]


@pytest.mark.slow
def test_residual_project_standalone_check(residual_project: VerilogProject) -> None:
    """`make check` without Python: passes, and names the first vector once an expected word is changed."""
    root = _verilator()
    if shutil.which("make") is None:
        pytest.skip("no make")
    path = residual_project.path
    env = {**os.environ, "PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}", "VERILATOR_ROOT": str(root)}
    run = subprocess.run(["make", "check"], cwd=path, capture_output=True, text=True, env=env)
    assert run.returncode == 0 and "PASS 256 vectors" in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]
    expected_hex = path / "tb" / "expected.hex"
    lines = expected_hex.read_text().split()
    lines[7] = f"{int(lines[7], 16) ^ (1 << 130):0{len(lines[7])}x}"  # a bit of the second output port
    expected_hex.write_text("\n".join(lines) + "\n")
    run = subprocess.run(["make", "check"], cwd=path, capture_output=True, text=True, env=env)
    assert run.returncode != 0 and "FAIL vector 7" in run.stdout, run.stdout[-2000:]


@pytest.mark.slow
def test_cnn_equals_simulate(tmp_path: Path) -> None:
    """Every window and movement op in one CNN, through Verilator and cocotb: the mantissas simulate gives."""
    _verilator()
    graph = cnn_graph()
    prj = emit_verilog(graph, tmp_path / "prj").compile()
    m_in = port_mantissas(np.random.default_rng(9), graph, 400)
    np.testing.assert_array_equal(prj.predict_mantissas(m_in)[0], simulate_mantissas(graph, m_in)[0])


def test_emit_through_hwq_emit_is_the_same_design(tmp_path: Path) -> None:
    """hwq.emit(backend="verilog") runs the verilog pipeline first; the ports are the graph's either way."""
    prj = hwq.emit(residual_graph(), tmp_path / "prj", backend="verilog")
    assert (prj.input_ports, prj.output_ports) == (["in_valid_1", "in_data_1"], ["out_y0", "out_y1"])
