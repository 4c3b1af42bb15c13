"""The table op: exact lookup tables, compressed without loss, equal across simulate, Vitis, Catapult and RTL.

Every check compares against the uncompressed table (one output per input mantissa) with Python
ints, on every input mantissa.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from test_hls import _emit_and_compile, _require_toolchain
from test_verilog import _lint, _verilator

from hwq.backends.hls import emit_hls
from hwq.backends.verilog import emit_verilog
from hwq.fixed import FixedType, quantize, to_float
from hwq.ir import Graph, IntTensor, IRError, Node, Value
from hwq.ir.build import (
    MAX_TABLE_ENTRIES,
    MAX_TABLE_INPUT_BITS,
    dense_node,
    quantize_node,
    table_inputs,
    table_node,
)
from hwq.ir.ops.table import prints_as_thresholds, run_starts
from hwq.sim import simulate, simulate_mantissas

KINDS = ("staircase", "saturating", "random", "constant", "blocks")


# --- tables -----------------------------------------------------------------------------------------

def _outputs(kind: str, t: FixedType, rng: np.random.Generator) -> IntTensor:
    """One output mantissa per input mantissa of t, of a curve shaped like `kind`."""
    m = table_inputs(t)
    if kind == "staircase":  # monotone, steps of 2**k inputs, shifted so the steps do not align with zero
        k = int(rng.integers(0, t.width + 1))
        return _fit((m + int(rng.integers(0, 1 << k))) >> k)
    if kind == "saturating":  # a quantized tanh: long constant runs at both ends
        out = FixedType(int(rng.integers(2, 8)), 1, True, "RND_CONV", "SAT")
        x = to_float(m, t) * float(rng.uniform(0.5, 4))
        return IntTensor(quantize(np.tanh(x), out), out)
    if kind == "random":
        out = FixedType(int(rng.integers(1, 10)), 2, bool(rng.integers(0, 2)))
        return IntTensor(rng.integers(out.min_mantissa, out.max_mantissa, size=len(m), endpoint=True), out)
    if kind == "constant":
        return IntTensor(np.full(len(m), -3), FixedType(4, 4, True))
    # blocks of 2**k random values, then constant ends: a compressible staircase that is not monotone
    k = int(rng.integers(0, t.width))
    values = rng.integers(-20, 20, size=len(m) >> k)
    full = np.repeat(values, 1 << k)
    ends = int(rng.integers(0, len(m) // 3 + 1))
    full[:ends], full[len(m) - ends:] = full[ends], full[len(m) - ends - 1]
    return _fit(full)


def _fit(m: np.ndarray) -> IntTensor:
    lo, hi = int(m.min()), int(m.max())
    width = max(max(abs(lo), abs(hi)).bit_length() + 1, 2)
    return IntTensor(m, FixedType(width, width - 3, True))


def _reference(node: Node, m: int) -> int:
    """The table node's meaning, in Python ints: table[clip(m >> s, lo, hi) - lo]."""
    s, lo, hi = (node.attrs[a] for a in ("index_shift", "index_lo", "index_hi"))
    return int(node.params["table"].mantissa[min(max(m >> s, lo), hi) - lo])


def _table_graph(name: str, t: FixedType, outputs: IntTensor, shape: tuple[int, ...] = (1,)) -> Graph:
    x = Value("x", shape, t)
    return Graph(name, [x], [table_node("t", x, outputs, "y")], ["y"]).validate()


def _every_mantissa(graph: Graph, n: int | None = None) -> np.ndarray:
    """Every input mantissa in every element (each column rotated), repeated to n rows."""
    t, size = graph.input.type, graph.input.size
    m = table_inputs(t)
    n = n or len(m)
    return np.stack([np.resize(np.roll(m, 7 * j), n) for j in range(size)], axis=1)


def _expected(outputs: IntTensor, t: FixedType, m: np.ndarray) -> np.ndarray:
    return np.asarray(outputs.mantissa, dtype=np.int64)[m - t.min_mantissa]


# --- IR: compression ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("width", [1, 2, 3, 5, 8, 12])
def test_compression_is_exact_and_tight(kind: str, signed: bool, width: int) -> None:
    rng = np.random.default_rng(width * 10 + signed + 100 * KINDS.index(kind))
    t = FixedType(width, int(rng.integers(-2, width + 2)), signed)
    for _ in range(3):
        outputs = _outputs(kind, t, rng)
        graph = _table_graph("g", t, outputs)
        node = graph.nodes[0]
        full = [int(v) for v in outputs.mantissa]
        assert [_reference(node, m) for m in range(t.min_mantissa, t.max_mantissa + 1)] == full
        m = table_inputs(t)[:, None]
        np.testing.assert_array_equal(simulate_mantissas(graph, m)[:, 0], full)
        _assert_tight(node, t, np.array(full))


def _assert_tight(node: Node, t: FixedType, full: np.ndarray) -> None:
    """No larger shift would do, and the clamp trims every constant run at the ends."""
    s, lo, hi = (node.attrs[a] for a in ("index_shift", "index_lo", "index_hi"))
    table = node.params["table"].mantissa
    assert len(table) == hi - lo + 1 <= MAX_TABLE_ENTRIES
    assert t.min_mantissa >> s <= lo <= hi <= t.max_mantissa >> s
    if len(table) > 1:
        assert table[0] != table[1] and table[-1] != table[-2]
        block = 1 << (s + 1)  # min_mantissa is a multiple of it: s + 1 <= width - 1 when the table changes
        assert (full.reshape(-1, block) != full.reshape(-1, block)[:, :1]).any(), "a larger shift would do"
    else:
        assert len(set(full.tolist())) == 1


@pytest.mark.parametrize("k", range(5))
def test_strictly_monotone_blocks_give_their_shift(k: int) -> None:
    t = FixedType(9, 2, True)
    m = table_inputs(t)
    node = table_node("t", Value("x", (1,), t), _fit(m >> k), "y")
    assert node.attrs == {"index_shift": k, "index_lo": t.min_mantissa >> k, "index_hi": t.max_mantissa >> k}


def test_saturation_becomes_the_clamp() -> None:
    t = FixedType(4, 4, True)
    node = table_node("t", Value("x", (2, 3), t), _fit(np.clip(table_inputs(t), -3, 5)), "y")
    assert node.attrs == {"index_shift": 0, "index_lo": -3, "index_hi": 5}
    assert node.params["table"].mantissa.tolist() == list(range(-3, 6))
    assert node.output.shape == (2, 3)


def test_constant_tables_have_one_entry() -> None:
    for t in (FixedType(1, 0, True), FixedType(1, 0, False), FixedType(6, 2, True), FixedType(6, 2, False)):
        node = table_node("t", Value("x", (1,), t), IntTensor(np.full(1 << t.width, 5), FixedType(4, 4)), "y")
        assert node.params["table"].mantissa.tolist() == [5]
        assert node.attrs["index_lo"] == node.attrs["index_hi"]


def test_table_inputs_lists_every_mantissa() -> None:
    assert table_inputs(FixedType(3, 1, True)).tolist() == [-4, -3, -2, -1, 0, 1, 2, 3]
    assert table_inputs(FixedType(2, 5, False)).tolist() == [0, 1, 2, 3]
    assert table_inputs(FixedType(3, 1)).dtype == np.int64
    with pytest.raises(IRError, match=f"at most {MAX_TABLE_INPUT_BITS} bits"):
        table_inputs(FixedType(MAX_TABLE_INPUT_BITS + 1, 3))


# --- IR: errors, validation, JSON, summary -------------------------------------------------------------

def test_refuses_outputs_of_the_wrong_length_or_shape() -> None:
    x = Value("x", (1,), FixedType(4, 1, True))
    with pytest.raises(IRError, match=r"'act'.*one entry per mantissa.*16"):
        table_node("act", x, IntTensor(np.zeros(15, dtype=np.int64), FixedType(4, 1)), "y")
    with pytest.raises(IRError, match="one entry per mantissa"):
        table_node("act", x, IntTensor(np.zeros((4, 4), dtype=np.int64), FixedType(4, 1)), "y")


def test_refuses_mantissas_outside_the_output_type() -> None:
    x = Value("x", (1,), FixedType(3, 1, True))
    outputs = IntTensor(np.zeros(8, dtype=np.int64), FixedType(3, 1, False))
    outputs.mantissa[2] = -1  # IntTensor checks on construction only
    with pytest.raises(IRError, match=r"'act'.*outside ap_ufixed<3,1>"):
        table_node("act", x, outputs, "y")


def test_refuses_tables_too_large_naming_the_width_that_fits() -> None:
    t = FixedType(17, 3, True)
    rng = np.random.default_rng(0)
    outputs = IntTensor(rng.integers(0, 256, size=1 << 17), FixedType(8, 8, False))
    with pytest.raises(IRError, match=r"'act'.*needs 131072 entries.*65536.*17 bits.*at most 16 bits"):
        table_node("act", Value("x", (1,), t), outputs, "y")
    staircase = _fit(table_inputs(t) >> 2)  # 32768 entries after compression: fits
    assert table_node("act", Value("x", (1,), t), staircase, "y").params["table"].shape == (1 << 15,)


def test_validate_checks_table_nodes() -> None:
    t = FixedType(5, 2, True)
    graph = _table_graph("g", t, _fit(np.clip(table_inputs(t), -5, 9)))
    node = graph.nodes[0]
    node.params["table"] = IntTensor(node.params["table"].mantissa[:-1], node.params["table"].type)
    with pytest.raises(IRError, match="table shape"):
        graph.validate()
    graph = _table_graph("g", t, _fit(np.clip(table_inputs(t), -5, 9)))
    graph.nodes[0].output.type = FixedType(9, 9, True)
    with pytest.raises(IRError, match="carries its table's type"):
        graph.validate()
    graph = _table_graph("g", t, _fit(np.clip(table_inputs(t), -5, 9)))
    graph.nodes[0].attrs["index_hi"] += 100
    with pytest.raises(IRError, match="outside the input"):
        graph.validate()
    graph = _table_graph("g", t, _fit(np.clip(table_inputs(t), -5, 9)))
    del graph.nodes[0].attrs["index_shift"]
    with pytest.raises(IRError, match="lacks attribute 'index_shift'"):
        graph.validate()


def test_json_round_trip_and_summary() -> None:
    graph = _chain_graph()
    again = Graph.from_json(graph.to_json())
    assert again.to_dict() == graph.to_dict()
    m = _every_mantissa(graph, 300)
    np.testing.assert_array_equal(simulate_mantissas(again, m), simulate_mantissas(graph, m))
    node = graph.node("act")
    line = next(ln for ln in graph.summary().splitlines() if ln.startswith("act "))
    assert f"{node.params['table'].shape[0]} entries" in line


def test_simulate_floats_and_wide_inputs() -> None:
    t = FixedType(7, 2, False)
    outputs = _outputs("saturating", t, np.random.default_rng(3))
    graph = _table_graph("g", t, outputs, (2,))
    m = _every_mantissa(graph)
    np.testing.assert_array_equal(simulate(graph, to_float(m, t)), to_float(_expected(outputs, t, m), outputs.type))
    # an input past every float and int64 carrier: object mantissas, built by hand (no one enumerates 2**80)
    wide = FixedType(80, 10, True)
    x = Value("x", (1,), wide)
    node = Node("t", "table", ["x"], Value("y", (1,), FixedType(4, 4)),
                {"index_shift": 77, "index_lo": -2, "index_hi": 1}, {"table": IntTensor(np.array([1, 2, 3, 4]),
                                                                                       FixedType(4, 4))})
    graph = Graph("wide", [x], [node], ["y"]).validate()
    m = np.array([[wide.min_mantissa], [-(1 << 77) - 1], [-(1 << 77)], [-1], [0], [(1 << 78) - 1],
                  [wide.max_mantissa]], dtype=object)
    assert simulate_mantissas(graph, m)[:, 0].tolist() == [1, 1, 2, 2, 3, 4, 4]


# --- graphs for the backends ----------------------------------------------------------------------------

def _chain_graph() -> Graph:
    """dense -> table over the accumulator -> dense -> quantize."""
    rng = np.random.default_rng(21)
    x = Value("x", (3,), FixedType(4, 1, True, "RND", "SAT"))
    w = FixedType(3, 1, True)
    d1 = dense_node("d1", x, IntTensor(rng.integers(-4, 4, size=(3, 2)), w), None, "h")
    acc = d1.output.type
    act_out = FixedType(5, 1, True, "RND_CONV", "SAT")
    outputs = IntTensor(quantize(np.tanh(to_float(table_inputs(acc), acc)), act_out), act_out)
    act = table_node("act", d1.output, outputs, "a")
    d2 = dense_node("d2", act.output, IntTensor(rng.integers(-4, 4, size=(2, 2)), w),
                    IntTensor(rng.integers(-4, 4, size=2), w), "z")
    q = quantize_node("q", d2.output, FixedType(6, 2, True, "RND", "SAT"), "y")
    return Graph("chain", [x], [d1, act, d2, q], ["y"]).validate()


def _backend_graphs(more: bool = True) -> list[tuple[Graph, IntTensor | None]]:
    """Tables of every shape the printers branch on (signed or not, shift or not, either clamp or none, one
    entry, a 1-bit index), each with its uncompressed outputs (None: a chain). A C++ build costs seconds,
    so without `more` only the first five."""
    rng = np.random.default_rng(7)
    specs = [("tanh8", FixedType(8, 3, True), "saturating", (3,)),
             ("stair10u", FixedType(10, 4, False), "staircase", (2,)),
             ("bit1s", FixedType(1, 1, True), "random", (2,)),
             ("const3u", FixedType(3, 0, False), "constant", (2,)),
             ("random12", FixedType(12, 2, True), "random", (1,)),
             ("blocks9u", FixedType(9, 0, False), "blocks", (2,)),
             ("bit1u", FixedType(1, 1, False), "random", (1,))]
    graphs: list[tuple[Graph, IntTensor | None]] = [(_chain_graph(), None)]
    for name, t, kind, shape in specs[:len(specs) if more else 4]:
        outputs = _outputs(kind, t, rng)
        if name.startswith("bit1"):
            outputs = IntTensor(np.array([3, -2]), FixedType(3, 0, True))
        graphs.append((_table_graph(name, t, outputs, shape), outputs))
    return graphs


def _check_graph_outputs(graph: Graph, outputs: IntTensor | None, m: np.ndarray, got: np.ndarray, who: str) -> None:
    want = simulate_mantissas(graph, m)
    if outputs is not None:
        np.testing.assert_array_equal(want, _expected(outputs, graph.input.type, m), err_msg=f"{graph.name}: sim")
    bad = np.argwhere(np.asarray(got) != np.asarray(want))
    assert not bad.size, (f"{who} {graph.name}: {len(bad)} mantissas differ, first for input {m[bad[0][0]]}: "
                          f"{got[tuple(bad[0])]} vs {want[tuple(bad[0])]}\n{graph.summary()}")


# --- HLS ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hls_projects(tmp_path_factory):
    _require_toolchain()
    graphs = _backend_graphs(more=False)
    return graphs, _emit_and_compile([g for g, _ in graphs], tmp_path_factory.mktemp("hls_table"))


@pytest.mark.parametrize("flavour", ["vitis", "catapult"])
def test_hls_equals_simulate_on_every_input(hls_projects, flavour: str) -> None:
    graphs, projects = hls_projects
    for k, (graph, outputs) in enumerate(graphs):
        m = _every_mantissa(graph) if graph.input.type.width * graph.input.size > 16 else _all_vectors(graph)
        _check_graph_outputs(graph, outputs, m, projects[flavour, k].predict_mantissas(m), flavour)


def _all_vectors(graph: Graph) -> np.ndarray:
    """Every combination of input mantissas (small inputs only)."""
    m = table_inputs(graph.input.type)
    grids = np.meshgrid(*[m] * graph.input.size, indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


def test_hls_reads_the_index_from_the_top_bits(tmp_path: Path) -> None:
    """The printed code: a static const ROM of the entries' mantissas as plain C integers (g++ compiles a static
    array of ap_fixed as start-up code: minutes for a large table), a bit slice for the index, no shift or multiply,
    the entry stored as the output's raw bits."""
    graph, _ = _backend_graphs()[2]
    for flavour, read, store in (("vitis", ".range(9, ", ".range("), ("catapult", ".template slc<", ".set_slc(0, ")):
        prj = emit_hls(graph, tmp_path / flavour, flavour=flavour)
        code = (prj.path / "firmware" / "stair10u.cpp").read_text()
        params = (prj.path / "firmware" / "stair10u_params.h").read_text()
        assert re.search(r"static const int(8|16|32|64)_t t_table_mantissa\[", params), params
        body = code.split("// t:")[1].split("\n", 1)[1]
        assert read in body and "*" not in body and "if (k > " in body and store in body.split("if (k > ")[1]


# --- Verilog --------------------------------------------------------------------------------------------

def test_verilog_lints_clean_and_has_no_multiplier(tmp_path: Path) -> None:
    _verilator()
    for graph, _ in _backend_graphs():
        prj = emit_verilog(graph, tmp_path / graph.name)
        run = _lint(prj.sources, prj.top)
        assert run.returncode == 0 and "%Warning" not in run.stderr, run.stderr
        if graph.name != "chain":
            table_rtl = next(p for p in prj.sources if p.stem.endswith("_t")).read_text()
            assert "*" not in table_rtl.split("module", 1)[1]


@pytest.mark.slow
def test_verilog_equals_simulate_on_every_input(tmp_path: Path) -> None:
    """Tables over 1 to 12 bits, signed and unsigned, every kind, plus the chain: one Verilator build."""
    from support.verilog_bundle import run_bundle

    _verilator()
    rng = np.random.default_rng(99)
    cases = _backend_graphs()
    for width in (1, 2, 3, 4, 6, 7, 11, 12):
        for signed in (True, False):
            for kind in KINDS:
                t = FixedType(width, int(rng.integers(-1, width + 2)), signed)
                outputs = _outputs(kind, t, rng)
                cases.append((_table_graph(f"{kind}_{width}_{'s' if signed else 'u'}", t, outputs), outputs))
    graphs = [g for g, _ in cases]
    n = max(len(table_inputs(g.input.type)) for g in graphs)
    inputs = [_every_mantissa(g, n) for g in graphs]
    for (graph, outputs), m, got in zip(cases, inputs, run_bundle(graphs, inputs, tmp_path), strict=True):
        _check_graph_outputs(graph, outputs, m, got, "verilog")


def test_run_starts_and_the_printed_form() -> None:
    assert run_starts([5, 5, 7, 7, 7, 2]) == [0, 2, 5] and run_starts([1]) == [0]
    staircase = np.repeat(np.arange(8), 100)  # 8 runs over 800 entries: 7 comparisons against 700 ROM lines
    assert prints_as_thresholds(staircase)
    scattered = np.random.default_rng(0).integers(0, 8, 800)
    assert not prints_as_thresholds(scattered) and not prints_as_thresholds([3])


def test_verilog_prints_staircases_as_comparisons_and_scattered_tables_as_roms(tmp_path: Path) -> None:
    """Both forms appear among the printer cases, so the every-input Verilog test above covers both."""
    forms = set()
    for graph, _ in _backend_graphs():
        if graph.name == "chain":
            continue
        prj = emit_verilog(graph, tmp_path / graph.name)
        rtl = next(p for p in prj.sources if p.stem.endswith("_t")).read_text()
        forms.add("thresholds" if "if (k >=" in rtl else "rom" if "case (" in rtl else "constant")
    assert {"thresholds", "rom"} <= forms, forms
