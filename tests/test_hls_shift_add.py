"""HLS C++ with the kernels' constants as shift-add programs (hwq.emit(multipliers="shift_add")): Vitis and Catapult
C simulation equal simulate, bit for bit, on random MLPs, random CNNs (io="parallel" and io="stream"), graphs of edge
cases (values past 64 bits, constants past int64_t, shaped and read-back values) and the published jet tagger. The
printed steps have exactly the proven widths, and a node without the setting prints as it always did. Each build holds
many graphs side by side (support.branching.union), and one test builds both flavours at once (under xdist, one worker
builds them)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from support.branching import union
from support.cnn_graphs import random_cnn_graph
from support.graphs import random_mlp
from test_hls import FLAVOURS, _require_toolchain
from test_hls_graphs import _cnn, _read_back, _residual, _two_outputs
from test_hls_stream import MODELS, SEEDS, _edges, _mantissas

import hwq
from hwq.backends.hls import HLSProject
from hwq.cmvm.kernels import kernel_program
from hwq.fixed import FixedType
from hwq.ir import Graph, IntTensor, Value
from hwq.ir.build import dense_node, quantize_node
from hwq.sim import simulate, simulate_mantissas

SAMPLES = 1500
JET = MODELS / "qkeras-v3_3layer.keras"


def _wide_constants() -> Graph:
    """A bias far past int64_t on the accumulator's grid (79 bits): the program's constants are built in chunks. Only
    the shift-add form prints it; the direct form writes parameters as double literals (at most 53 bits). The outputs
    read the accumulator's top 24 and low 63 bits (a port carries at most 64)."""
    x = Value("x", (2,), FixedType(4, 2, True, "RND", "SAT"))
    bias = IntTensor(np.array([(1 << 77) + 12345, -(1 << 76) - 3], dtype=object), FixedType(80, 10, True))
    d = dense_node("d", x, IntTensor(np.array([[3, -5], [7, 1]]), FixedType(4, 1, True)), bias, "acc")
    acc = d.output.type
    assert acc.width > 64
    high = quantize_node("high", d.output, FixedType(24, acc.integer, True, "TRN", "WRAP"), "y_high")
    low = quantize_node("low", d.output, FixedType(63, acc.integer - acc.width + 63, True, "TRN", "WRAP"), "y_low")
    return Graph("wide_constants", [x], [d, high, low], ["y_high", "y_low"]).validate()


def _build(graph: Graph, root: Path, io: str) -> dict[str, HLSProject]:
    """Both flavours emitted with shift-add constants and compiled at once (g++ is single-threaded)."""
    projects = {fl: hwq.emit(graph, root / fl, backend=fl, multipliers="shift_add", io=io) for fl in FLAVOURS}
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda p: p.compile(), projects.values()))
    return projects


def _assert_equal(graph: Graph, projects: dict[str, HLSProject], rng: np.random.Generator) -> None:
    """Mantissas (each input's range ends and zero, then uniform) and floats past the input ranges."""
    m_in = _mantissas(graph, SAMPLES, rng)
    want = _outputs(graph, simulate_mantissas(graph, m_in))
    x = [rng.uniform(float(v.type.min_value) * 1.3, float(v.type.max_value) * 1.3, size=(300, *v.shape))
         for v in graph.inputs]
    y = _outputs(graph, simulate(graph, x))
    for flavour, prj in projects.items():
        got = _outputs(graph, prj.predict_mantissas(m_in))
        bad = {name: int((np.asarray(g) != np.asarray(w)).sum())
               for name, g, w in zip(graph.outputs, got, want, strict=True)}
        assert not any(bad.values()), f"{flavour}: mismatching mantissas per output {bad}"
        for g, w in zip(_outputs(graph, prj.predict(x)), y, strict=True):
            np.testing.assert_array_equal(g, w, err_msg=flavour)


def _outputs(graph: Graph, y) -> list:
    """One array per output (a graph with one output gives its array alone)."""
    return list(y) if len(graph.outputs) > 1 else [y]


def test_parallel_designs_equal_simulate(tmp_path: Path) -> None:
    """Random MLPs, random CNNs and the edge cases, io="parallel": one build per flavour."""
    _require_toolchain()
    graphs = [random_mlp(np.random.default_rng(seed), max_bits=16) for seed in range(6)]
    graphs += [random_cnn_graph(np.random.default_rng(s), name=f"cnn{s}") for s in SEEDS[:5]]
    graphs += [_residual(), _two_outputs(), _read_back(), _cnn(), _wide_constants()]
    graph = union(graphs, name="parallel_shift_add")
    projects = _build(graph, tmp_path, "parallel")
    code = (projects["vitis"].path / "firmware" / f"{projects['vitis'].top}.cpp").read_text()
    kernels = [n for n in graph.nodes if n.op in ("dense", "conv", "affine")]
    assert code.count("_shift_add(const ") == len(kernels)
    assert "_kernel" not in (projects["vitis"].path / "firmware" / f"{projects['vitis'].top}_params.h").read_text()
    _assert_equal(graph, projects, np.random.default_rng(1))


def test_stream_designs_equal_simulate(tmp_path: Path) -> None:
    """Random CNNs and the stream edge cases, io="stream": each stage's per-position node calls its program."""
    _require_toolchain()
    graph = union([random_cnn_graph(np.random.default_rng(s), name=f"cnn{s}") for s in SEEDS] + [_edges(), _cnn()],
                  name="stream_shift_add")
    projects = _build(graph, tmp_path, "stream")
    code = (projects["catapult"].path / "firmware" / f"{projects['catapult'].top}.cpp").read_text()
    assert code.count("_shift_add(const ") == sum(n.op in ("dense", "conv", "affine") for n in graph.nodes)
    _assert_equal(graph, projects, np.random.default_rng(2))


@pytest.mark.slow
@pytest.mark.skipif(not JET.is_file(), reason=f"no shared QKeras models at {MODELS}")
def test_jet_tagger_equals_simulate(tmp_path: Path) -> None:
    """The published jet tagger (about 2,500 adders over its four layers) in both flavours."""
    _require_toolchain()
    graph = hwq.lower(hwq.load_model(JET), input_type="ap_fixed<16,6>", until="output")
    _assert_equal(graph, _build(graph, tmp_path, "parallel"), np.random.default_rng(3))


def test_steps_have_their_proven_widths(tmp_path: Path) -> None:
    """Every step is declared in the integer type of exactly its width and sign, one line each; every output is
    written once, as the raw bits of its accumulator."""
    graph = random_mlp(np.random.default_rng(4), n_in=12, depth=2, max_units=12, max_bits=12)
    values = graph.values()
    for flavour, spell in (("vitis", r"ap_(u?)int<(\d+)>"), ("catapult", r"ac_int<(\d+), (true|false)>")):
        prj = hwq.emit(graph, tmp_path / flavour, backend=flavour, multipliers="shift_add")
        code = (prj.path / "firmware" / f"{prj.top}.cpp").read_text()
        for node in (n for n in graph.nodes if n.op == "dense"):
            program = kernel_program(node, values[node.inputs[0]].type)
            body = code[code.index(f"void {node.name}_shift_add("):]
            body = body[:body.index("\n}\n")]
            declared = re.findall(rf"const {spell} s(\d+) = ", body)
            for match in declared:
                width, signed = ((int(match[1]), match[0] == "") if flavour == "vitis"
                                 else (int(match[0]), match[1] == "true"))
                assert (width, signed) == (program.steps[int(match[2])].width, program.steps[int(match[2])].signed)
            reads = re.findall(r"const \S+(?:, \w+>)? x(\d+) = x\[(\d+)\]", body)
            assert reads and all(a == b for a, b in reads)
            assert len(declared) + len(reads) == body.count("\n    const ")
            assert body.count("\n    y[") == len(program.outputs) == node.output.shape[-1]


def test_direct_form_is_unchanged(tmp_path: Path) -> None:
    """multipliers="direct" prints what a node without the setting prints, byte for byte: no program, no helper."""
    graph = union([random_mlp(np.random.default_rng(5), max_bits=12), _cnn()], name="direct")
    for flavour in FLAVOURS:
        plain = hwq.emit(graph, tmp_path / f"{flavour}_plain", backend=flavour)
        direct = hwq.emit(graph, tmp_path / f"{flavour}_direct", backend=flavour, multipliers="direct")
        for path in sorted((plain.path / "firmware").iterdir()):
            text = path.read_text()
            assert text == (direct.path / "firmware" / path.name).read_text(), path.name
            assert "shift_add" not in text and "HWQ_CSIM_UNOPTIMISED" not in text
