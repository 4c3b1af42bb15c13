"""HLS io="stream": random CNNs (and a graph of the stream edge cases) printed as Vitis and Catapult dataflow
designs equal hwq.sim bit for bit; the standalone testbench feeds the streams too; the code carries the pragmas
a dataflow pipeline needs, with the schedule's FIFO depths. One build per flavour: every graph side by side in
one union graph."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from support.branching import union
from support.cnn_graphs import random_cnn_graph
from support.graphs import random_tensor
from test_hls import FLAVOURS, _require_toolchain

import hwq
from hwq.backends.hls import HLSProject, emit_hls
from hwq.backends.hls.stream.program import DEFAULT_DEPTH
from hwq.fixed import FixedType
from hwq.ir import Graph, IntTensor, Node, Value
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
    table_inputs,
    table_node,
    transpose_node,
)
from hwq.passes.schedule import schedule
from hwq.sim import simulate, simulate_mantissas

MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "models"
SEEDS = (0, 1, 2, 4, 5, 10, 11, 14)  # between them: every kind of conv, pool and resampling, 1-D and 2-D
IMAGES = 600


def _edges() -> Graph:
    """What the random CNNs miss: an input read by four stages (a fork), an output read by a later stage, a max
    pool with padding (the pad pixel is the type's minimum), an upsample repeating rows (a row buffer), a dense
    over the channels of a stream, a value read twice by one node, a table, scale and subtract on pixels, a
    transpose (a collect), streams of different lengths joined along a spatial axis, a conv on a vector, and a
    vector input and outputs beside the streams."""
    rng = np.random.default_rng(5)
    x = Value("x", (7, 6, 2), FixedType(8, 3, True, "RND", "SAT"))
    v = Value("v", (3,), FixedType(6, 2, False, "TRN", "WRAP"))
    w6 = FixedType(6, 1, True)
    nodes: list[Node] = []

    def add(node: Node) -> Value:
        nodes.append(node)
        return node.output

    r = add(relu_node("r", x, "r_out"))
    s = add(add_node("a", [r, x], "a_out"))
    p = add(make_node("pool", "p", [x], "p_out", {"mode": "max", "size": [3, 3], "strides": [2, 2],
                                                  "padding": [[1, 1], [1, 1]]}))
    u = add(make_node("upsample", "u", [p], "u_out", {"size": [2, 2, 1]}))
    d = add(dense_node("d", u, random_tensor(rng, (2, 3), w6), random_tensor(rng, (3,), w6), "d_out"))
    q = add(quantize_node("q", d, FixedType(6, 2, True, "RND_CONV", "SAT"), "q_out"))
    m = add(multiply_node("m", [q, q], "m_out"))
    grid = table_inputs(q.type)
    t = add(table_node("t", q, IntTensor(np.clip(grid * 3 // 2, -31, 31), FixedType(6, 2, True)), "t_out"))
    sc = add(scale_node("sc", m, -2, "sc_out"))
    sub = add(subtract_node("sub", sc, t, "sub_out"))
    tr = add(transpose_node("tr", sub, [1, 0, 2], "tr_out"))
    f = add(reshape_node("f", tr, [tr.size], "f_out"))
    y = add(dense_node("y", add(quantize_node("fq", f, FixedType(8, 4, True, "RND", "SAT"), "fq_out")),
                       random_tensor(rng, (f.size, 2), w6), None, "y_out"))
    z = add(dense_node("z", v, random_tensor(rng, (3, 2), w6), None, "z_out"))
    # streams of different lengths joined along a spatial axis (a collect), then a conv on the vector it makes
    cr = add(make_node("crop", "cr", [x], "cr_out", {"cropping": [[0, 4], [0, 3], [0, 0]]}))
    cc = add(concatenate_node("cc", [p, cr], 0, "cc_out"))
    cv = add(make_node("conv", "cv", [cc], "cv_out", {"strides": [1, 1], "padding": [[1, 0], [0, 1]], "groups": 1,
                                                     "multiplier": "mult"}, {"kernel": random_tensor(rng, (2, 2, 2, 2),
                                                                                                     w6)}))
    del s
    return Graph("edges", [x, v], nodes, ["r_out", "a_out", y.name, z.name, cv.name]).validate()


@pytest.fixture(scope="module")
def streams() -> Graph:
    return union([random_cnn_graph(np.random.default_rng(s), name=f"cnn{s}") for s in SEEDS] + [_edges()],
                 name="streams")


@pytest.fixture(scope="module")
def projects(streams, tmp_path_factory) -> dict[str, HLSProject]:
    """Both flavours emitted; the pragma tests read their code, the equality test compiles them."""
    root = tmp_path_factory.mktemp("hls_stream")
    return {fl: emit_hls(streams, root / fl, flavour=fl, io="stream") for fl in FLAVOURS}


def _mantissas(graph: Graph, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Each input's range ends and zero, then uniform mantissas."""
    ports = []
    for v in graph.inputs:
        t = v.type
        ends = np.array([[m] * v.size for m in (t.min_mantissa, t.max_mantissa, 0)], dtype=np.int64)
        ports.append(np.concatenate([ends, rng.integers(t.min_mantissa, t.max_mantissa, (n - 3, v.size),
                                                        endpoint=True)]))
    return ports


def test_stream_designs_equal_simulate(streams, projects) -> None:
    """Both flavours in one test, built at once (g++ is single-threaded): under xdist, one worker builds them."""
    _require_toolchain()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda p: p.compile(), projects.values()))
    m_in = _mantissas(streams, IMAGES, np.random.default_rng(11))
    want = simulate_mantissas(streams, m_in)
    rng = np.random.default_rng(12)
    x = [rng.uniform(float(v.type.min_value) * 1.3, float(v.type.max_value) * 1.3, size=(50, *v.shape))
         for v in streams.inputs]
    for flavour, prj in projects.items():
        assert prj.io == "stream" and HLSProject.open(prj.path).io == "stream"
        got = prj.predict_mantissas(m_in)
        bad = {name: int((np.asarray(g) != np.asarray(w)).sum())
               for name, g, w in zip(streams.outputs, got, want, strict=True)}
        assert not any(bad.values()), f"{flavour}: mismatching mantissas per output {bad}"
        assert all(len(g) == IMAGES for g in got)
        for g, w in zip(prj.predict(x), simulate(streams, x), strict=True):
            np.testing.assert_array_equal(g, w, err_msg=flavour)


def test_the_union_covers_every_stage_kind(streams) -> None:
    plan = schedule(streams, "stream")
    kinds = {(n.kind, n.op) for n in plan.nodes}
    for want in [("window", "conv"), ("window", "pool"), ("resample", "pad"), ("resample", "crop"),
                 ("resample", "upsample"), ("pixel", "add"), ("pixel", "concatenate"), ("pixel", "dense"),
                 ("collect", "reshape"), ("collect", "transpose"), ("collect", "concatenate"), ("vector", "dense"),
                 ("vector", "conv")]:
        assert want in kinds, want
    convs = [n for n in streams.nodes if n.op == "conv"]
    assert any(n.attrs["groups"] > 1 for n in convs) and any(max(n.attrs["dilation"]) > 1 for n in convs)
    assert any(max(n.attrs["strides"]) > 1 for n in convs)
    assert {len(v.shape) for v in streams.inputs} >= {2, 3}  # 1-D and 2-D images
    assert any(d > 0 for n in plan.nodes for d in n.fifo_depths)  # a branch that lags


def _code(prj: HLSProject) -> str:
    return (prj.path / "firmware" / f"{prj.top}.cpp").read_text()


def test_vitis_pragmas(streams, projects) -> None:
    prj = projects["vitis"]
    code = _code(prj)
    top = code[code.index(f"void {prj.top}("):]
    assert "#pragma HLS DATAFLOW" in top and top.count("#pragma HLS STREAM variable=") == top.count("hls::stream<") - \
        len(streams.inputs) - len(streams.outputs)
    stages = re.findall(r"^static void (\w+)\(", code, re.M)
    assert len(stages) >= len(streams.nodes)
    assert code.count("#pragma HLS INLINE off") == len(stages)
    # every stage pipelined: a position loop (or, on vectors, the whole function) at II=1
    assert code.count("#pragma HLS PIPELINE II=1") == len(stages)
    assert re.search(r"#pragma HLS ARRAY_PARTITION variable=\w+_line complete dim=1", code)
    assert re.search(r"#pragma HLS DEPENDENCE variable=\w+_line type=inter direction=RAW distance=\d+ true", code)
    # the schedule's depths: a FIFO where a branch lags, the default elsewhere
    plan = schedule(streams, "stream")
    depths = dict(re.findall(r"#pragma HLS STREAM variable=(\w+) depth=(\d+)", top))
    lagging = [(name, n.name, d) for n in streams.nodes for name, d in zip(n.inputs, plan.node(n.name).fifo_depths,
                                                                             strict=True) if d]
    assert lagging and set(depths.values()) > {str(DEFAULT_DEPTH)}
    for value, reader, d in lagging:  # a FIFO a branch lags on holds what the schedule says, and the register
        assert int(depths.get(f"{value}_to_{reader}", depths.get(value))) >= d + 1, (value, reader)
    header = (prj.path / "firmware" / "hwq_stream.h").read_text()
    assert "__has_include(<hls_stream.h>)" in header and "std::deque<T>" in header
    assert "hwq_stream.h" in (prj.path / "firmware" / f"{prj.top}_types.h").read_text()


def test_catapult_pragmas(streams, projects) -> None:
    prj = projects["catapult"]
    code = _code(prj)
    stages = re.findall(r"^class (\w+) \{", code, re.M)
    assert code.count("#pragma hls_design top") == 1 and stages[-1] == prj.top
    assert code.count("#pragma hls_design interface") == len(stages)
    assert code.count("#pragma hls_pipeline_init_interval 1") == len(stages) - 1
    members = dict(re.findall(r"^    ac_channel<\w+> (\w+);  // depth (\d+):", code, re.M))
    directives = dict(re.findall(rf"directive set /{prj.top}/(\w+):cns -FIFO_DEPTH (\d+)",
                                 (prj.path / "catapult_directives.tcl").read_text()))
    assert members and members == directives
    vitis = dict(re.findall(r"#pragma HLS STREAM variable=(\w+) depth=(\d+)", _code(projects["vitis"])))
    assert vitis == directives  # one schedule, one set of depths
    assert '#include "ac_channel.h"' in (prj.path / "firmware" / f"{prj.top}_types.h").read_text()


def test_top_comment_states_the_schedule(streams, projects) -> None:
    plan = schedule(streams, "stream")
    code = _code(projects["catapult"])
    assert f"{plan.clocks_per_image} clocks per image" in code and f"latency {plan.latency} clocks" in code
    first_conv = next(n for n in plan.nodes if n.kind == "window")
    row = next(line for line in code.splitlines() if line.startswith(f"//   {first_conv.node} "))
    assert "window" in row and f"{first_conv.buffer_pixels} ({first_conv.buffer_bits})" in row


def test_standalone_testbench(tmp_path) -> None:
    """run_check.sh (g++, the vectors, no Python) passes, and fails once an expected value is changed."""
    _require_toolchain()
    prj = emit_hls(_edges(), tmp_path / "ok", flavour="vitis", io="stream", n_vectors=64)
    assert "PASS: 64 vectors, 0 mismatching" in prj.run_testbench()
    bad = shutil.copytree(prj.path, tmp_path / "tampered")
    path = bad / "tb" / "output_mantissas.txt"
    lines = path.read_text().splitlines()
    row = lines[5].split()
    row[-1] = str(int(row[-1]) + 1)
    lines[5] = " ".join(row)
    path.write_text("\n".join(lines) + "\n")
    proc = subprocess.run(["sh", str(bad / "run_check.sh")], capture_output=True, text=True)
    assert proc.returncode == 1 and "FAIL: 64 vectors, 1 mismatching" in proc.stdout


def test_io_auto_follows_the_schedule(tmp_path) -> None:
    """hwq.emit(io="auto") streams a graph with a large feature map, as hwq.passes.schedule.choose_io says."""
    x = Value("img", (32, 32, 2), FixedType(8, 0, False))
    kernel = random_tensor(np.random.default_rng(0), (3, 3, 2, 2), FixedType(4, 1))
    c = make_node("conv", "c", [x], "c_out", {"strides": [1, 1], "padding": [[1, 1], [1, 1]], "groups": 1,
                                               "multiplier": "mult"}, {"kernel": kernel})
    big = Graph("big", [x], [c], ["c_out"]).validate()
    small = _edges()
    for graph, io in ((big, "stream"), (small, "parallel")):
        prj = hwq.emit(graph, tmp_path / graph.name, backend="catapult")
        assert prj.io == io and json.loads((prj.path / "project.json").read_text())["io"] == io
    assert "ac_channel<input_pixel>& img" in (tmp_path / "big" / "firmware" / "big.cpp").read_text()


@pytest.mark.slow
@pytest.mark.skipif(not (MODELS / "qkeras_mnist_cnn.json").is_file(), reason=f"no shared QKeras models at {MODELS}")
def test_mnist_cnn_streams(tmp_path) -> None:
    """The published QKeras MNIST CNN, io="stream" in both flavours, equals simulate on 2,000 images."""
    _require_toolchain()
    model = hwq.load_qkeras(MODELS / "qkeras_mnist_cnn.json", MODELS / "qkeras_mnist_cnn_weights.h5")
    graph = hwq.lower(model, input_type="ap_ufixed<8,0>", until="q_dense")
    x = np.random.default_rng(0).integers(0, 256, size=(2000, 28, 28, 1)) / 256.0
    with ThreadPoolExecutor(2) as pool:
        projects = list(pool.map(lambda fl: hwq.emit(graph, tmp_path / fl, backend=fl).compile(), FLAVOURS))
    want = graph.simulate(x)
    for prj in projects:
        assert prj.io == "stream"  # io="auto": 26 x 26 x 16 feature maps stream
        np.testing.assert_array_equal(prj.predict(x), want, err_msg=prj.backend)


def test_parallelism_sets_the_stage_pipelines(tmp_path) -> None:
    """A kernel stage's parallelism knob becomes its pipeline initiation interval in both flavours; the design
    still equals simulate."""
    from test_schedule import _mnist_like

    from hwq.sim import simulate_mantissas

    graph = _mnist_like()
    for backend, pragma in (("vitis", "#pragma HLS PIPELINE II=4"), ("catapult", "hls_pipeline_init_interval 4")):
        prj = hwq.emit(graph, tmp_path / backend, backend=backend, io="stream", parallelism={"c1": 9})
        code = (prj.path / "firmware" / f"{prj.top}.cpp").read_text()
        assert pragma in code, backend
        m = np.random.default_rng(0).integers(0, 256, size=(20, 784))
        np.testing.assert_array_equal(prj.compile().predict_mantissas(m), simulate_mantissas(graph, m))
    with pytest.raises(ValueError, match="parallelism sets a stream stage"):
        hwq.emit(graph, tmp_path / "p", backend="vitis", io="parallel", parallelism={"c1": 9})
