"""HLS backend on graphs: shaped values, several ports, fan-out, values wider than 64 bits, a small CNN through
every window and movement op, and the {op: printer} table a flavour may override. Every project of this file is
built once (module fixture)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from test_hls import FLAVOURS, _require_toolchain

from hwq.backends.hls import PRINTERS, HLSProject, PrintContext, Printed, UnsupportedError, emit_hls, printer_for
from hwq.backends.hls.flavour import Catapult
from hwq.backends.hls.loops import flat_index, unflatten
from hwq.backends.hls.ops.context import op_template
from hwq.fixed import FixedType
from hwq.ir import OPS, Graph, IntTensor, Node, Value
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
    subtract_node,
    transpose_node,
)
from hwq.sim import simulate, simulate_mantissas

N = 3000


def _residual() -> Graph:
    """img (4, 3) read twice: res = img + quantize(relu(dense(x))), a dense over the last axis of a 2-D value."""
    rng = np.random.default_rng(1)
    x = Value("img", (4, 3), FixedType(8, 2, True, "RND", "SAT"))
    d = dense_node("d", x, IntTensor(rng.integers(-32, 32, size=(3, 3)), FixedType(6, 1, True)),
                   IntTensor(rng.integers(-8, 8, size=3), FixedType(4, 1, True)), "h")
    r = relu_node("r", d.output, "hr")
    q = quantize_node("q", r.output, FixedType(8, 2, True, "RND_CONV", "SAT"), "hq")
    a = add_node("a", [x, q.output], "res")
    return Graph("residual", [x], [d, r, q, a], ["res"]).validate()


def _two_outputs() -> Graph:
    """Two inputs (one 2-D), two 2-D outputs; the first through ~100-bit values (scale and subtract at that width),
    the second through transpose, reshape, concatenate and multiply."""
    rng = np.random.default_rng(2)
    x = Value("img", (2, 3), FixedType(10, 3, True, "RND", "SAT"))
    z = Value("aux", (3,), FixedType(8, 2, False, "TRN", "WRAP"))
    tiny_bias = IntTensor(rng.integers(-128, 128, size=4), FixedType(8, -90, True))  # ~100 fraction bits
    d = dense_node("d", x, IntTensor(rng.integers(-64, 64, size=(3, 4)), FixedType(7, 1, True)), tiny_bias, "acc")
    s = scale_node("s", d.output, -3, "acc_s")
    sub = subtract_node("sub", d.output, s.output, "diff")
    y0 = quantize_node("q0", sub.output, FixedType(16, 6, True, "RND_CONV", "SAT"), "out0")
    t = transpose_node("t", x, [1, 0], "xt")
    zr = reshape_node("zr", z, [3, 1], "zc")
    c = concatenate_node("c", [t.output, zr.output], 1, "xz")
    m = multiply_node("m", [c.output, c.output], "out1")
    assert d.output.type.width > 64 and sub.output.type.width > 64
    return Graph("two_out", [x, z], [d, s, sub, y0, t, zr, c, m], ["out0", "out1"]).validate()


def _read_back() -> Graph:
    """An output that a later node reads too: r is an output and an operand of the add. And a shift-only dense
    on an unsigned input into a saturating accumulator, whose shifted terms need more bits than the input."""
    x = Value("x", (2, 3), FixedType(6, 2, True))
    r = relu_node("r", x, "r_out")
    a = add_node("a", [r.output, x], "a_out")
    u = Value("u", (3,), FixedType(4, 4, False))
    d = dense_node("d", u, IntTensor(np.array([[4, -2], [1, 0], [8, 2]]), FixedType(5, 5)), None, "d_out")
    assert d.attrs["multiplier"] == "barrel"
    d.output.type = d.attrs["accumulator"] = FixedType(d.output.type.width, d.output.type.integer, True, "TRN", "SAT")
    return Graph("read_back", [x, u], [r, a, d], ["r_out", "a_out", "d_out"]).validate()


def _cnn() -> Graph:
    """A small CNN through every window and movement op: pad, a 3x3 conv with padding and stride 2, relu and
    quantize, a depthwise 3x3 conv with multiplier 2 and power-of-two weights (the shift form), a padded max
    pool, upsample, crop, a padded sum pool, affine, quantize, reshape and dense."""
    rng = np.random.default_rng(4)
    x = Value("img", (10, 10, 2), FixedType(8, 2, True, "RND", "SAT"))
    nodes: list[Node] = []

    def add(op: str, v: Value, attrs: dict, params: dict | None = None, out_type: FixedType | None = None) -> Value:
        nodes.append(make_node(op, f"n{len(nodes)}_{op}", [v], f"v{len(nodes)}", attrs, params, out_type))
        return nodes[-1].output

    def weights(shape: tuple[int, ...], t: FixedType) -> IntTensor:
        return IntTensor(rng.integers(t.min_mantissa, t.max_mantissa, size=shape, endpoint=True), t)

    w6 = FixedType(6, 1, True)
    h = add("pad", x, {"padding": [[1, 1], [1, 1], [0, 0]]})
    k = weights((3, 3, 2, 4), w6)
    h = add("conv", h, {"strides": [2, 2], "padding": [[1, 1], [1, 1]], "groups": 1, "multiplier": "mult"},
            {"kernel": k, "bias": weights((4,), w6)})
    h = add("relu", h, {})
    h = add("quantize", h, {}, out_type=FixedType(6, 2, False, "RND_CONV", "SAT"))
    shifts = IntTensor(rng.choice([-1, 0, 1], size=(3, 3, 1, 8)) << rng.integers(0, 5, size=(3, 3, 1, 8)), w6)
    h = add("conv", h, {"strides": [1, 1], "padding": [[1, 1], [1, 1]], "groups": 4, "multiplier": "barrel"},
            {"kernel": shifts})
    h = add("pool", h, {"mode": "max", "size": [2, 2], "strides": [2, 2], "padding": [[1, 1], [1, 1]]})
    h = add("upsample", h, {"size": [2, 2, 1]})
    h = add("crop", h, {"cropping": [[2, 2], [1, 3], [0, 0]]})
    h = add("pool", h, {"mode": "sum", "size": [2, 2], "strides": [1, 1], "padding": [[1, 0], [1, 0]]})
    h = add("affine", h, {"multiplier": "mult"}, {"kernel": weights((8,), w6), "bias": weights((8,), w6)})
    h = add("quantize", h, {}, out_type=FixedType(8, 4, True, "RND", "SAT"))
    h = add("reshape", h, {"shape": [h.size]})
    add("dense", h, {"multiplier": "mult"}, {"kernel": weights((h.size, 5), w6), "bias": weights((5,), w6)})
    assert [n.output.shape for n in nodes[1:8:3]] == [(6, 6, 4), (6, 6, 8), (4, 4, 8)]
    return Graph("cnn", [x], nodes, [nodes[-1].output.name]).validate()


def _relu_as_select(ctx: PrintContext, node: Node) -> Printed:
    """relu printed as a conditional expression through the generic assignment template."""
    loops, (x,), y = ctx.elementwise(node)
    out_t = ctx.arrays[node.output.name].type
    return Printed(op_template("assign"), "relu as a select (flavour override)",
                   {"loops": loops, "y": y, "expr": f"{x} > 0 ? {out_t}({x}) : {out_t}(0)"})


class SelectRelu(Catapult):
    printers = {"relu": _relu_as_select}


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> dict[str, tuple[Graph, HLSProject]]:
    _require_toolchain()
    root = tmp_path_factory.mktemp("hls_graphs")
    jobs = {f"{g.name}_{fl}": (g, fl) for g in (_residual(), _two_outputs(), _read_back(), _cnn())
            for fl in FLAVOURS}
    jobs["override"] = (_residual(), SelectRelu())
    built = {key: (g, emit_hls(g, root / key, flavour=fl)) for key, (g, fl) in jobs.items()}
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda job: job[1].compile(), built.values()))
    return built


def _port_mantissas(graph: Graph, rng: np.random.Generator) -> list[np.ndarray]:
    ports = []
    for v in graph.inputs:
        t = v.type
        ends = np.array([[m] * v.size for m in (t.min_mantissa, t.max_mantissa, 0)], dtype=np.int64)
        ports.append(np.concatenate([ends, rng.integers(t.min_mantissa, t.max_mantissa, (N, v.size), endpoint=True)]))
    return ports


def _as_list(m) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.int64) for a in (m if isinstance(m, list) else [m])]


@pytest.mark.parametrize("key", ["residual_vitis", "residual_catapult", "two_out_vitis", "two_out_catapult",
                                 "read_back_vitis", "read_back_catapult", "cnn_vitis", "cnn_catapult", "override"])
def test_graph_equals_simulate(projects, key: str) -> None:
    graph, prj = projects[key]
    rng = np.random.default_rng(3)
    m_in = _port_mantissas(graph, rng)
    want, got = _as_list(simulate_mantissas(graph, m_in)), _as_list(prj.predict_mantissas(m_in))
    for name, g, w in zip(graph.outputs, got, want, strict=True):
        np.testing.assert_array_equal(g, w, err_msg=f"{key}: output {name}")
    x = [rng.uniform(float(v.type.min_value) * 1.3, float(v.type.max_value) * 1.3, size=(500, *v.shape))
         for v in graph.inputs]
    x = x[0] if len(x) == 1 else x
    for g, w in zip(_as_list_f(prj.predict(x)), _as_list_f(simulate(graph, x)), strict=True):
        assert g.shape[1:] == w.shape[1:] and g.shape[0] == 500
        np.testing.assert_array_equal(g, w, err_msg=key)


def _as_list_f(y) -> list[np.ndarray]:
    return y if isinstance(y, list) else [y]


def test_flavour_override_is_printed(projects) -> None:
    _, prj = projects["override"]
    code = (prj.path / "firmware" / "residual.cpp").read_text()
    assert "relu as a select (flavour override)" in code and " > 0 ? " in code
    _, default = projects["residual_catapult"]
    assert " ? " not in (default.path / "firmware" / "residual.cpp").read_text()
    assert printer_for(SelectRelu(), "relu") is _relu_as_select
    assert printer_for(SelectRelu(), "dense") is PRINTERS["dense"]


def test_top_signatures_have_shaped_arrays(projects) -> None:
    _, prj = projects["residual_vitis"]
    header = (prj.path / "firmware" / "residual.h").read_text()
    assert "void residual(const input_t img[4][3], output_t res[4][3]);" in header
    _, prj = projects["two_out_catapult"]
    header = (prj.path / "firmware" / "two_out.h").read_text()
    assert ("void two_out(const input0_t img[2][3], const input1_t aux[3], output0_t out0[2][4], "
            "output1_t out1[3][3]);") in header
    types = (prj.path / "firmware" / "two_out_types.h").read_text()
    assert "N_IN = 9;" in types and "N_OUT = 17;" in types
    readme = (prj.path / "README.md").read_text()
    assert "input `aux`: 3 x `ac_fixed<8,2,false>` (vector columns 6-8)" in readme
    assert "output `out1`: 3 x 3 x" in readme
    vitis = (projects["two_out_vitis"][1].path / "firmware" / "two_out.cpp").read_text()
    assert "#pragma HLS ARRAY_PARTITION variable=img complete dim=0" in vitis
    assert "#pragma HLS ARRAY_PARTITION variable=xz complete dim=0" in vitis


def test_standalone_testbench_with_several_ports(projects) -> None:
    _, prj = projects["two_out_catapult"]
    rows = (prj.path / "tb" / "input_mantissas.txt").read_text().splitlines()
    assert len(rows) == 257 and len(rows[1].split()) == 9
    assert "PASS: 256 vectors, 0 mismatching" in prj.run_testbench()


def test_cnn_is_printed_as_loops(projects) -> None:
    """Window ops are loop nests over outputs and taps, padding a bounds test, kernels static const arrays
    (the shift form's signs and exponents plain C integers): no statement per element."""
    _, prj = projects["cnn_catapult"]
    code = (prj.path / "firmware" / "cnn.cpp").read_text()
    assert "const int p0 = o0 * 2 + t0 - 1;" in code and "if (p0 >= 0 && p1 >= 0) {" in code
    assert "if (p0 >= 0 && p0 < 6 && p1 >= 0 && p1 < 6) {" in code  # the max pool's padding on both sides
    assert "[j / 2]) << ac_int<4, true>(" in code  # depthwise, multiplier 2, shifts
    params = (prj.path / "firmware" / "cnn_params.h").read_text()
    assert "static const int8_t n4_conv_sign[3][3][1][8] = {" in params
    assert len(code.splitlines()) < 300


def test_every_ir_op_has_a_printer() -> None:
    assert set(PRINTERS) == set(OPS)
    with pytest.raises(UnsupportedError, match="no printer for op 'conv9d'"):
        printer_for(Catapult(), "conv9d")


@pytest.mark.parametrize("shape", [(5,), (2, 3), (1, 4), (3, 1, 2), (2, 2, 2)])
def test_index_expressions_are_row_major(shape: tuple[int, ...]) -> None:
    """unflatten and flat_index, evaluated as Python (C's / and % agree on non-negative operands)."""
    for flat in range(int(np.prod(shape))):
        sub = unflatten("f", shape)
        idx = [eval(part.replace("/", "//"), {"f": flat}) for part in sub[1:-1].split("][")]
        assert tuple(idx) == np.unravel_index(flat, shape)
        env = {f"i{k}": v for k, v in enumerate(idx)}
        assert eval(flat_index([f"i{k}" for k in range(len(shape))], shape), env) == flat


def test_output_ports_are_only_written(projects) -> None:
    """An output that later nodes read is computed in a local and copied to its port last, so the top
    function never reads an output port (HLS tools would make it an in/out port)."""
    _, prj = projects["read_back_vitis"]
    code = (prj.path / "firmware" / "read_back.cpp").read_text()
    body = code[code.index("{"):]
    reads = [line for line in body.splitlines() if "r_out[" in line and not line.strip().startswith("r_out[")]
    assert not reads, reads
    assert "r_out[i0][i1] = r_out_kept[i0][i1];" in body
