"""Verilog backend: the generated RTL, run by Verilator through cocotb, equals hwq.sim bit for bit.

Verilator builds take seconds each, so the slow tests put many designs into one build (see
support/verilog_bundle.py); the fast tests lint the RTL and check what needs no simulator.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from support.graphs import OVERFLOWS, ROUNDINGS, inputs_over_range, named_graph, random_mlp
from support.verilog_bundle import expected, run_bundle, write_bundle

import hwq
from hwq.backends.verilog import VerilogProject, emit_verilog
from hwq.backends.verilog.design import HELPERS
from hwq.backends.verilog.expr import signed_literal, wrap_signed
from hwq.backends.verilog.vectors import pack, unpack
from hwq.backends.verilog.verilator import SimulationError, tool_environment
from hwq.fixed import FixedType
from hwq.ir import Graph, Value
from hwq.ir.build import quantize_node
from hwq.sim import simulate, simulate_mantissas
from hwq.toolchain import ToolchainError, verilator_root

pytestmark = pytest.mark.xdist_group("verilator")  # one worker builds, the other runs the rest of the suite

# (source, destination) pairs for every rounding x overflow mode: narrower and wider fractions, signed
# to unsigned and back, a 1-bit destination, a shift past the source's width
CAST_PAIRS = [
    ((10, 5, True), (5, 2, True)),
    ((10, 5, True), (4, 2, False)),
    ((9, 4, False), (5, 1, True)),
    ((10, 5, True), (8, 1, True)),
    ((10, 5, True), (1, 0, False)),
    ((6, 6, True), (3, -1, True)),
    ((7, 0, True), (3, 5, True)),
]


def _verilator() -> Path:
    try:
        root = verilator_root()
    except ToolchainError as e:
        pytest.skip(str(e))
    if not (root / "bin" / "verilator").exists():
        pytest.skip(f"no Verilator at {root}")
    return root


def _cast_graph(k: int, src: tuple, dst: tuple, rounding: str, overflow: str) -> Graph:
    x = Value("x", (1,), FixedType(*src))
    q = quantize_node("q", x, FixedType(*dst, rounding, overflow), "y")
    return Graph(f"cast_{k}", [x], [q], ["y"]).validate()


def _cast_graphs() -> list[Graph]:
    combos = itertools.product(CAST_PAIRS, ROUNDINGS, OVERFLOWS)
    return [_cast_graph(k, src, dst, r, o) for k, ((src, dst), r, o) in enumerate(combos)]


def _every_mantissa(graph: Graph, n: int) -> np.ndarray:
    t = graph.input.type
    m = np.arange(t.min_mantissa, t.max_mantissa + 1, dtype=np.int64)
    return np.resize(m, n).reshape(n, 1)


def _lint(sources: list[Path], top: str) -> subprocess.CompletedProcess:
    """Every -Wall warning but unused bits: a WRAP keeps only the low bits on purpose, and hwq_round
    computes the facts of every rounding rule while a mode reads some of them."""
    with tool_environment():
        return subprocess.run(["verilator", "--lint-only", "-Wall", "-Wno-UNUSEDSIGNAL", "--top-module", top,
                               *map(str, sources)],
                              capture_output=True, text=True)


def _named_graph() -> Graph:
    """Node and value names that are Verilog keywords, generated names, or clash once made legal."""
    return named_graph("endmodule", "in_data", [("module", "wire"), ("always", "out_valid"), ("hwq_round", "clk"),
                                                ("Module", "reg"), ("begin", "y")])


# --- fast: no simulator build -----------------------------------------------------------------------

def test_every_mode_lints_clean(tmp_path: Path) -> None:
    """Verilator's -Wall finds nothing to say about any cast: every width explicit."""
    _verilator()
    graphs = _cast_graphs()
    assert len(graphs) == len(CAST_PAIRS) * 28
    for g in graphs[:-28:7] + graphs[-28:]:
        prj = emit_verilog(g, tmp_path / g.name)
        run = _lint(prj.sources, prj.top)
        assert run.returncode == 0 and "%Warning" not in run.stderr, run.stderr


def test_random_mlps_lint_clean(tmp_path: Path) -> None:
    _verilator()
    for seed in range(8):
        prj = emit_verilog(random_mlp(np.random.default_rng(seed), max_bits=16), tmp_path / f"m{seed}")
        run = _lint(prj.sources, prj.top)
        assert run.returncode == 0 and "%Warning" not in run.stderr, run.stderr


def test_illegal_names_give_legal_distinct_identifiers(tmp_path: Path) -> None:
    _verilator()
    prj = emit_verilog(_named_graph(), tmp_path / "named")
    modules = [p.stem for p in prj.sources]
    assert len({m.lower() for m in modules}) == len(modules)
    keywords = {"module", "wire", "always", "reg", "begin", "endmodule"}
    text = "\n".join(p.read_text() for p in prj.sources)
    declared = re.findall(r"^\s*(?:module|wire(?: signed)?(?: \[[^]]*\])?)\s+(\w+)", text, re.M)
    assert declared and not keywords & set(declared)
    assert prj.top not in keywords and re.fullmatch(r"[A-Za-z_]\w*", prj.top)
    run = _lint(prj.sources, prj.top)
    assert run.returncode == 0 and "%Warning" not in run.stderr, run.stderr


def test_project_layout_and_reopen(tmp_path: Path) -> None:
    graph = random_mlp(np.random.default_rng(4), depth=2)
    prj = emit_verilog(graph, tmp_path / "prj")
    files = {p.relative_to(prj.path).as_posix() for p in prj.path.rglob("*") if p.is_file()}
    assert {"Makefile", "graph.json", "rtl/files.f", "tb/tb.sv", "tb/input.hex", "tb/expected.hex",
            "rtl/hwq_round.v", "rtl/hwq_saturate.v", f"rtl/{prj.top}.v"} <= files
    assert "sim/xilinx_cells.v" in files and "sim/xilinx_cells.v" not in (prj.path / "rtl" / "files.f").read_text()
    assert len([f for f in files if f.startswith("rtl/") and f.endswith(".v")]) == len(graph.nodes) + len(HELPERS) + 1
    lines = (prj.path / "tb" / "expected.hex").read_text().split()
    m_in = unpack([int(v, 16) for v in (prj.path / "tb" / "input.hex").read_text().split()],
                  graph.input.size, graph.input.type.width, graph.input.type.signed)
    want = pack(simulate_mantissas(graph, m_in), graph.output.type.width)
    assert [int(v, 16) for v in lines] == want
    again = VerilogProject.open(prj.path)
    assert again.top == prj.top and again.graph.to_dict() == graph.to_dict()


def test_emit_refuses_existing_folder(tmp_path: Path) -> None:
    graph = random_mlp(np.random.default_rng(3))
    out = tmp_path / "prj"
    hwq.emit(graph, out, backend="verilog")
    (out / "marker").write_text("mine")
    with pytest.raises(FileExistsError):
        hwq.emit(graph, out, backend="verilog")
    assert (out / "marker").exists()
    hwq.emit(graph, out, backend="verilog", overwrite=True)
    assert not (out / "marker").exists()


def test_failed_emit_leaves_no_folder(tmp_path: Path, monkeypatch) -> None:
    import hwq.backends.verilog.emit as emit_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(emit_module, "check_files", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        emit_verilog(random_mlp(np.random.default_rng(4)), tmp_path / "broken")
    assert list(tmp_path.iterdir()) == []


def test_predict_refuses_mantissas_outside_the_input_type(tmp_path: Path) -> None:
    graph = random_mlp(np.random.default_rng(5))
    prj = emit_verilog(graph, tmp_path / "prj")
    t = graph.input.type
    with pytest.raises(ValueError, match="outside"):
        prj.predict_mantissas(np.full((1, graph.input.size), t.max_mantissa + 1))
    with pytest.raises(ValueError, match="shape"):
        prj.predict_mantissas(np.zeros((2, graph.input.size + 1), dtype=np.int64))


@pytest.mark.parametrize("width, signed", [(1, False), (1, True), (7, True), (64, True), (65, False), (130, True)])
def test_pack_unpack_round_trip(width: int, signed: bool) -> None:
    t = FixedType(width, 0, signed)
    rng = np.random.default_rng(width)
    m = np.array([[int(rng.integers(0, 1 << 62)) % (t.max_mantissa - t.min_mantissa + 1) + t.min_mantissa
                   for _ in range(3)] for _ in range(5)] + [[t.min_mantissa, t.max_mantissa, 0]], dtype=object)
    back = unpack(pack(m, width), 3, width, signed)
    assert [[int(v) for v in row] for row in back] == [[int(v) for v in row] for row in m]


@pytest.mark.parametrize("value, width, text", [(5, 8, "8'sd5"), (-5, 8, "-8'sd5"), (-128, 8, "8'sh80"),
                                                (0, 1, "1'sd0"), (-1, 1, "1'sh1")])
def test_signed_literals(value: int, width: int, text: str) -> None:
    assert signed_literal(value, width) == text
    assert wrap_signed(value + (1 << width), width) == value


def test_toolchain_env_names_the_verilator(capsys) -> None:
    from hwq.toolchain import main

    root = _verilator()
    assert main(["env"]) == 0
    out = capsys.readouterr().out
    assert f"export VERILATOR_ROOT={root}" in out and f"export PATH={root / 'bin'}:" in out
    assert "HWQ_AP_INCLUDE=" in out and "HWQ_AC_INCLUDE=" in out


# --- slow: Verilator builds -------------------------------------------------------------------------

@pytest.mark.slow
def test_every_rounding_and_overflow_mode_bit_exact(tmp_path: Path) -> None:
    """All 28 rounding x overflow modes on seven casts, every input mantissa, in one build."""
    _verilator()
    graphs = _cast_graphs()
    n = max(g.input.type.max_mantissa - g.input.type.min_mantissa + 1 for g in graphs)
    inputs = [_every_mantissa(g, n) for g in graphs]
    for g, got, want in zip(graphs, run_bundle(graphs, inputs, tmp_path), expected(graphs, inputs), strict=True):
        np.testing.assert_array_equal(got, want, err_msg=f"{g.name}: {g.nodes[0].output.type}")


@pytest.mark.slow
def test_random_mlps_bit_exact(tmp_path: Path) -> None:
    """Random MLPs (2 to 16 bits, signed and unsigned, random depths and modes), one build, 1000 vectors each."""
    _verilator()
    graphs = []
    for seed in range(10):
        g = random_mlp(np.random.default_rng(300 + seed), max_bits=16)
        g.name = f"mlp_{seed}"
        graphs.append(g)
    graphs.append(_named_graph())
    rng = np.random.default_rng(1)
    inputs = []
    for g in graphs:
        t = g.input.type
        ends = np.array([[t.min_mantissa] * g.input.size, [t.max_mantissa] * g.input.size], dtype=np.int64)
        from hwq.sim import input_mantissas

        over = np.asarray(input_mantissas(g, inputs_over_range(rng, g, 998)), dtype=np.int64)
        inputs.append(np.concatenate([ends, over]))
    for g, got, want in zip(graphs, run_bundle(graphs, inputs, tmp_path), expected(graphs, inputs), strict=True):
        np.testing.assert_array_equal(got, want, err_msg=f"{g.name}\n{g.summary()}")


@pytest.mark.slow
def test_project_predict_and_standalone_check(tmp_path: Path) -> None:
    """The user's path: emit, compile, predict floats; then the project's own `make check` without Python,
    which passes, and fails once an expected vector is changed."""
    root = _verilator()
    graph = _named_graph()
    prj = hwq.emit(graph, tmp_path / "prj", backend="verilog").compile()
    x = inputs_over_range(np.random.default_rng(6), graph, 1000)
    np.testing.assert_array_equal(prj.predict(x), simulate(graph, x))
    built = (prj.build_dir / prj.top).stat().st_mtime_ns
    VerilogProject.open(prj.path).compile()  # unchanged RTL: no rebuild
    assert (prj.build_dir / prj.top).stat().st_mtime_ns == built

    if shutil.which("make") is None:
        pytest.skip("no make")
    env = {**os.environ, "PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}", "VERILATOR_ROOT": str(root)}
    run = subprocess.run(["make", "check"], cwd=prj.path, capture_output=True, text=True, env=env)
    assert run.returncode == 0 and "PASS 256 vectors" in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]
    expected_hex = prj.path / "tb" / "expected.hex"
    lines = expected_hex.read_text().split()
    lines[100] = f"{int(lines[100], 16) ^ 1:0{len(lines[100])}x}"
    expected_hex.write_text("\n".join(lines) + "\n")
    run = subprocess.run(["make", "check"], cwd=prj.path, capture_output=True, text=True, env=env)
    assert run.returncode != 0 and "FAIL vector 100" in run.stdout, run.stdout[-2000:]


@pytest.mark.slow
def test_broken_rtl_reports_the_verilator_error(tmp_path: Path) -> None:
    _verilator()
    prj = emit_verilog(random_mlp(np.random.default_rng(7), depth=1), tmp_path / "bad")
    top = prj.path / "rtl" / f"{prj.top}.v"
    top.write_text(top.read_text().replace("endmodule", "wire oops = undeclared_signal;\nendmodule"))
    with pytest.raises(SimulationError, match="undeclared_signal"):
        prj.compile()


def test_bundle_wrapper_is_written(tmp_path: Path) -> None:
    """The test harness itself: every design's RTL plus the wrapper, lint clean."""
    _verilator()
    graphs = _cast_graphs()[:30]
    sources = write_bundle(graphs, tmp_path)
    run = _lint(sources, "bundle")
    assert run.returncode == 0 and "%Warning" not in run.stderr, run.stderr
