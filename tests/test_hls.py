"""HLS C++ backend: generated Vitis (ap_fixed) and Catapult (ac_fixed) projects equal hwq.sim, bit for bit."""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from support.graphs import inputs_over_range, named_graph, random_mlp

from hwq.backends.hls import HLSCompileError, HLSProject, UnsupportedError, emit_hls, get_flavour
from hwq.backends.hls.literals import exact_literal
from hwq.backends.names import Namer
from hwq.fixed import FixedType
from hwq.ir import Graph, IntTensor, IRError, Value
from hwq.ir.build import dense_node, quantize_node
from hwq.sim import input_mantissas, simulate, simulate_mantissas
from hwq.toolchain import ToolchainError

FLAVOURS = ("vitis", "catapult")
QUICK_SEEDS = range(6)
SLOW_SEEDS = range(100, 124)


def _require_toolchain() -> None:
    if shutil.which("g++") is None:
        pytest.skip("g++ not installed")
    for name in FLAVOURS:
        try:
            get_flavour(name).include_dir()
        except ToolchainError as e:
            pytest.skip(str(e))


def _emit_and_compile(graphs: list[Graph], root: Path) -> dict[tuple[str, int], HLSProject]:
    """Emit every graph in both flavours and compile them two at a time (g++ is single-threaded)."""
    projects = {(fl, k): emit_hls(g, root / f"{fl}_{k}", flavour=fl) for k, g in enumerate(graphs) for fl in FLAVOURS}
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda p: p.compile(), projects.values()))
    return projects


def _mantissa_batch(rng: np.random.Generator, graph: Graph, n: int = 2000) -> np.ndarray:
    """The range's ends and zero, float inputs past the range (quantized as the port does), uniform mantissas."""
    t, size = graph.input.type, graph.input.size
    ends = np.array([[v] * size for v in (t.min_mantissa, t.max_mantissa, 0)], dtype=np.int64)
    over = input_mantissas(graph, inputs_over_range(rng, graph, n // 2))
    uniform = rng.integers(t.min_mantissa, t.max_mantissa, size=(n - n // 2, size), endpoint=True)
    return np.concatenate([ends, np.asarray(over, dtype=np.int64), uniform])


def _assert_bit_exact(graph: Graph, prj: HLSProject, rng: np.random.Generator) -> None:
    m = _mantissa_batch(rng, graph)
    want = np.asarray(simulate_mantissas(graph, m), dtype=np.int64)
    got = prj.predict_mantissas(m)
    bad = np.argwhere(got != want)
    assert not bad.size, (f"{prj.backend}: {len(bad)} mantissas differ, first at sample {bad[0][0]} "
                          f"output {bad[0][1]}: {got[tuple(bad[0])]} vs {want[tuple(bad[0])]}\n{graph.summary()}")
    x = inputs_over_range(rng, graph, 500)
    np.testing.assert_array_equal(prj.predict(x), simulate(graph, x))


@pytest.fixture(scope="module")
def random_projects(tmp_path_factory) -> tuple[list[Graph], dict[tuple[str, int], HLSProject]]:
    _require_toolchain()
    graphs = [random_mlp(np.random.default_rng(seed), max_bits=16) for seed in QUICK_SEEDS]
    return graphs, _emit_and_compile(graphs, tmp_path_factory.mktemp("hls_random"))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_random_mlps_bit_exact(random_projects, flavour: str) -> None:
    graphs, projects = random_projects
    for k, graph in enumerate(graphs):
        _assert_bit_exact(graph, projects[flavour, k], np.random.default_rng(1000 + k))


@pytest.mark.sweep
def test_many_random_mlps_bit_exact(tmp_path: Path) -> None:
    _require_toolchain()
    graphs = [random_mlp(np.random.default_rng(seed), max_bits=16, max_units=16) for seed in SLOW_SEEDS]
    projects = _emit_and_compile(graphs, tmp_path)
    for (_, k), prj in projects.items():
        _assert_bit_exact(graphs[k], prj, np.random.default_rng(k))


def test_thread_counts_agree(random_projects) -> None:
    graphs, projects = random_projects
    prj, rng = projects["catapult", 0], np.random.default_rng(5)
    m = _mantissa_batch(rng, graphs[0], 3001)
    one = prj.predict_mantissas(m, threads=1)
    np.testing.assert_array_equal(prj.predict_mantissas(m, threads=3), one)
    np.testing.assert_array_equal(prj.predict_mantissas(m[:1]), one[:1])
    assert prj.predict_mantissas(m[:0]).shape == (0, graphs[0].output.size)


def test_standalone_testbench(random_projects, tmp_path: Path) -> None:
    """run_check.sh and `make check` rebuild and pass without Python; the include path is overridable."""
    _, projects = random_projects
    assert "PASS: 256 vectors, 0 mismatching" in projects["vitis", 1].run_testbench()
    catapult = projects["catapult", 1]
    if shutil.which("make"):
        run = subprocess.run(["make", "-s", "check"], cwd=catapult.path, capture_output=True, text=True)
        assert run.returncode == 0 and "PASS" in run.stdout, run.stdout + run.stderr
    env = {"PATH": "/usr/bin:/bin", "HWQ_AC_INCLUDE": str(tmp_path / "no_headers_here")}
    run = subprocess.run(["sh", "run_check.sh"], cwd=catapult.path, capture_output=True, text=True, env=env)
    assert run.returncode != 0 and "ac_fixed.h" in run.stderr


def test_vectors_fail_when_tampered(random_projects, tmp_path: Path) -> None:
    _, projects = random_projects
    copy = tmp_path / "copy"
    shutil.copytree(projects["catapult", 2].path, copy, ignore=shutil.ignore_patterns("build"))
    lines = (copy / "tb" / "output_mantissas.txt").read_text().splitlines()
    first = lines[1].split()
    first[0] = str(int(first[0]) + 1)
    lines[1] = " ".join(first)
    (copy / "tb" / "output_mantissas.txt").write_text("\n".join(lines) + "\n")
    run = subprocess.run(["sh", str(copy / "run_check.sh")], capture_output=True, text=True)
    assert run.returncode == 1 and "FAIL" in run.stdout


def test_open_reuses_the_compiled_library(random_projects) -> None:
    graphs, projects = random_projects
    prj = projects["vitis", 3]
    again = HLSProject.open(prj.path).compile()
    assert again.library == prj.library and again.top == prj.top
    m = _mantissa_batch(np.random.default_rng(0), graphs[3], 50)
    np.testing.assert_array_equal(again.predict_mantissas(m), prj.predict_mantissas(m))


def _named_graph() -> Graph:
    """Names that are C++ keywords, macros, generated names or standard typedefs once suffixed."""
    # the IR holds ASCII identifiers; C++ may still clash
    return named_graph("main", "input_t", [("class", "size"), ("AP_SAT", "i"), ("int", "N_IN"),
                                           ("ap_fixed", "ac_int"), ("hwq_predict", "j")])


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_illegal_and_clashing_names_compile(flavour: str, tmp_path: Path) -> None:
    _require_toolchain()
    graph = _named_graph()
    prj = emit_hls(graph, tmp_path / "named", flavour=flavour).compile()
    assert prj.top == "main_l"
    _assert_bit_exact(graph, prj, np.random.default_rng(2))


def test_namer_keeps_names_apart() -> None:
    namer = Namer()
    names = [namer(n) for n in ("class", "x", "x", "size_t", "AP_SAT", "ap_fixed", "i", "hwq_run", "9lives")]
    assert len(set(names)) == len(names)
    assert all(n.isidentifier() and n.isascii() for n in names)
    assert "class" not in names and "size_t" not in names and "AP_SAT" not in names and "i" not in names


def test_emit_refuses_existing_folder(tmp_path: Path) -> None:
    graph = random_mlp(np.random.default_rng(3))
    out = tmp_path / "prj"
    emit_hls(graph, out)
    (out / "marker").write_text("mine")
    with pytest.raises(FileExistsError):
        emit_hls(graph, out)
    assert (out / "marker").exists()
    emit_hls(graph, out, flavour="catapult", overwrite=True)
    assert not (out / "marker").exists() and "ac_fixed" in (out / "firmware" / "random_mlp_types.h").read_text()


def test_failed_emit_leaves_no_folder(tmp_path: Path, monkeypatch) -> None:
    wide = Value("x", (2,), FixedType(70, 10, True))
    graph = Graph("wide", [wide], [quantize_node("q", wide, FixedType(8, 3), "y")], ["y"]).validate()
    with pytest.raises(UnsupportedError, match="int64"):
        emit_hls(graph, tmp_path / "wide")
    assert not (tmp_path / "wide").exists()

    import hwq.backends.hls.emit as emit_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(emit_module, "render_project", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        emit_hls(random_mlp(np.random.default_rng(4)), tmp_path / "broken")
    assert list(tmp_path.iterdir()) == []


def test_narrower_accumulator_is_refused(tmp_path: Path) -> None:
    graph = random_mlp(np.random.default_rng(8), depth=1)
    dense = graph.nodes[0]
    acc = dense.attrs["accumulator"]
    narrow = FixedType(acc.width - 1, acc.integer - 1, acc.signed)
    dense.attrs["accumulator"] = narrow
    dense.output.type = narrow
    with pytest.raises(IRError, match="narrower than the proven bound"):
        emit_hls(graph, tmp_path / "narrow")


def test_compile_error_carries_the_compiler_message(tmp_path: Path) -> None:
    _require_toolchain()
    prj = emit_hls(random_mlp(np.random.default_rng(9)), tmp_path / "bad", flavour="catapult")
    top_cpp = prj.path / "firmware" / f"{prj.top}.cpp"
    top_cpp.write_text(top_cpp.read_text() + "\nthis is not C++;\n")
    with pytest.raises(HLSCompileError, match=r"error: .*this"):
        prj.compile()


def test_predict_refuses_mantissas_outside_the_input_type(random_projects) -> None:
    graphs, projects = random_projects
    t = graphs[0].input.type
    bad = np.full((1, graphs[0].input.size), t.max_mantissa + 1)
    with pytest.raises(ValueError, match="outside"):
        projects["catapult", 0].predict_mantissas(bad)


def test_generated_code_layout(tmp_path: Path) -> None:
    graph = random_mlp(np.random.default_rng(12), depth=2)
    prj = emit_hls(graph, tmp_path / "prj")
    files = {p.relative_to(prj.path).as_posix() for p in prj.path.rglob("*") if p.is_file()}
    top = prj.top
    assert files == {f"firmware/{top}.cpp", f"firmware/{top}.h", f"firmware/{top}_types.h",
                     f"firmware/{top}_params.h", "csim/bridge.cpp", "csim/ports.h", "tb/tb.cpp",
                     "tb/input_mantissas.txt", "tb/output_mantissas.txt", "Makefile", "run_check.sh",
                     "README.md", "graph.json", "project.json"}
    assert Graph.from_json(prj.path / "graph.json").to_dict() == graph.to_dict()
    cpp = (prj.path / "firmware" / f"{top}.cpp").read_text()
    assert f"void {top}(const input_t" in cpp and "+= " in cpp
    types = (prj.path / "firmware" / f"{top}_types.h").read_text()
    params = (prj.path / "firmware" / f"{top}_params.h").read_text()
    # a parameter is an array of its own typedef, or (the integer form of a kernel) of plain C integers
    typed = len(re.findall(r"static const (?!int\d+_t)\w+ ", params))
    assert typed + len(re.findall(r"static const int\d+_t ", params)) == sum(len(n.params) for n in graph.nodes)
    assert types.count("typedef") == len(graph.nodes) + 1 + typed + 2 + cpp.count("_wide_t(")


@pytest.mark.parametrize("m, frac, text", [(3, 3, "0.375"), (-3, 3, "-0.375"), (5, -3, "40"), (-8, 2, "-2"),
                                           (0, 7, "0"), (1, 40, "0x1p-40"), (3, -40, "0x1.8p+41")])
def test_exact_literals(m: int, frac: int, text: str) -> None:
    assert exact_literal(m, frac) == text
    value = float.fromhex(text) if "0x" in text else float(text)
    assert value == m * 2.0 ** -frac


def test_values_wider_than_64_bits_inside_the_graph(tmp_path: Path) -> None:
    """A bias with 100 fraction bits makes a ~130-bit accumulator: multi-word ap_private / ac_int arithmetic."""
    _require_toolchain()
    rng = np.random.default_rng(21)
    x = Value("x", (5,), FixedType(12, 4, True, "RND", "SAT"))
    kernel = IntTensor(rng.integers(-2048, 2048, size=(5, 3)), FixedType(12, 2, True))
    bias = IntTensor(rng.integers(-128, 128, size=3), FixedType(8, -92, True))
    dense = dense_node("wide", x, kernel, bias, "acc")
    assert dense.output.type.width > 64
    q = quantize_node("q", dense.output, FixedType(16, 6, True, "RND_CONV", "SAT"), "y")
    graph = Graph("wide_acc", [x], [dense, q], ["y"]).validate()
    with ThreadPoolExecutor(2) as pool:
        projects = list(pool.map(lambda fl: emit_hls(graph, tmp_path / fl, flavour=fl).compile(), FLAVOURS))
    for prj in projects:
        _assert_bit_exact(graph, prj, np.random.default_rng(3))


def test_integer_form_at_its_width_limits(tmp_path: Path) -> None:
    """Kernels print their products on int32_t mantissas up to a 30-bit accumulator, int64_t up to 62 and in the
    fixed-point types past that; each form is exact at its widest (extreme weights, inputs at the range's ends)."""
    _require_toolchain()
    rng = np.random.default_rng(5)
    graphs, forms = [], []
    for k, (x_bits, w_bits) in enumerate([(12, 14), (13, 15), (28, 30), (30, 31)]):
        x = Value("x", (4,), FixedType(x_bits, 3, True, "RND", "SAT"))
        w = FixedType(w_bits, 1, True)
        kernel = IntTensor(np.where(rng.integers(0, 2, size=(4, 3)) > 0, w.max_mantissa, w.min_mantissa), w)
        dense = dense_node("d", x, kernel, IntTensor(np.full(3, w.min_mantissa), w), "acc")
        q = quantize_node("q", dense.output, FixedType(16, 6, True, "RND_CONV", "SAT"), "y")
        graphs.append(Graph(f"limit_{k}", [x], [dense, q], ["y"]).validate())
        width = dense.output.type.width
        forms.append("int32_t" if width <= 30 else "int64_t" if width <= 62 else None)
    assert set(forms) == {"int32_t", "int64_t", None}, [g.nodes[0].output.type.width for g in graphs]
    projects = _emit_and_compile(graphs, tmp_path)
    for (_, k), prj in projects.items():
        cpp = (prj.path / "firmware" / f"{prj.top}.cpp").read_text()
        if forms[k] is None:
            # two weight values: the kernel is a codebook, its tables in the fixed-point form of the weights
            assert "int64_t d_acc" not in cpp and "+= x[i] * d_kernel_centroids[" in cpp and "d_kernel_index" in cpp
        else:
            assert f"{forms[k]} d_acc[3]" in cpp, cpp
        _assert_bit_exact(graphs[k], prj, np.random.default_rng(k))
