"""The batched Verilator harness (hwq.backends.verilog.harness), predict()'s fast path for Verilog projects: it
equals simulate and the cocotb testbench on the same vectors, for several input and output ports, ports and
elements wider than 64 bits, a pipelined top, and any number of threads; and it catches a result at the wrong
clock. The word packing it uses round-trips every width."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.branching import union
from support.graphs import random_mlp
from test_verilog import _verilator

import hwq
from hwq.backends.verilog import VerilogProject
from hwq.backends.verilog.vectors import pack, pack_words, unpack_words
from hwq.backends.verilog.verilator import SimulationError
from hwq.fixed import FixedType
from hwq.ir import Graph, IntTensor, Value
from hwq.ir.build import dense_node
from hwq.sim import simulate_mantissas

pytestmark = pytest.mark.xdist_group("verilator")


WORD_WIDTHS = [(1, False), (1, True), (7, True), (8, True), (13, False), (16, True), (24, True), (32, False),
               (33, True), (63, True), (64, True), (64, False), (70, True)]


@pytest.mark.parametrize("n", [1, 4, 33])
@pytest.mark.parametrize("width, signed", WORD_WIDTHS)
def test_words_round_trip(width: int, signed: bool, n: int) -> None:
    """Every packing path (byte-aligned, straddling words, bit by bit, Python ints) against pack()."""
    rng = np.random.default_rng(width)
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    extremes = [[lo, hi, 0, hi // 3][k % 4] for k in range(n)]
    m = np.array([extremes, *[[int(v) % (hi - lo + 1) + lo for v in rng.integers(0, 1 << 62, n)]
                              for _ in range(20)]], dtype=object)
    fits = width <= 63 or (signed and width == 64)
    m = m.astype(np.int64) if fits else m
    words = -(-(n * width) // 32)
    packed = pack_words(m, width, words)
    assert [int.from_bytes(r.tobytes(), "little") for r in packed] == pack(m, width)
    back = unpack_words(packed, n, width, signed)
    assert (np.asarray(back, dtype=object) == np.asarray(m, dtype=object)).all()


def _wide_graph() -> Graph:
    """A ~130-bit accumulator as the output: elements and ports past 64 bits."""
    rng = np.random.default_rng(21)
    x = Value("x", (5,), FixedType(12, 4, True))
    kernel = IntTensor(rng.integers(-2048, 2048, size=(5, 3)), FixedType(12, 2, True))
    bias = IntTensor(rng.integers(-128, 128, size=3), FixedType(8, -92, True))
    dense = dense_node("wide", x, kernel, bias, "acc")
    assert dense.output.type.width > 64
    return Graph("wide", [x], [dense], ["acc"]).validate()


def _mantissas(graph: Graph, n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for v in graph.inputs:
        t = v.type
        m = rng.integers(t.min_mantissa, t.max_mantissa, size=(n, v.size), endpoint=True)
        m[:2] = [[t.min_mantissa] * v.size, [t.max_mantissa] * v.size]
        out.append(m)
    return out


def _same(got: list[np.ndarray], want: list[np.ndarray]) -> bool:
    pairs = zip(got, want, strict=True)
    return all((np.asarray(a, dtype=object) == np.asarray(b, dtype=object)).all() for a, b in pairs)


@pytest.mark.slow
def test_harness_equals_simulate_and_cocotb(tmp_path: Path) -> None:
    """Random MLPs side by side (several ports) and a >64-bit output: harness == simulate == cocotb."""
    _verilator()
    graph = union([random_mlp(np.random.default_rng(300 + k)) for k in range(3)] + [_wide_graph()], name="harness")
    prj = hwq.emit(graph, tmp_path / "prj", backend="verilog", io="parallel")
    m_in = _mantissas(graph, 3000, 1)
    want = simulate_mantissas(graph, m_in)
    for threads in (1, 2):
        assert _same(prj.run_ports(m_in, threads=threads), want)
    assert _same(prj.compile().run_ports(m_in, engine="cocotb"), want)  # every vector, the same as the harness
    assert _same(VerilogProject.open(prj.path).run_ports([m[:5] for m in m_in]), [w[:5] for w in want])  # reopened


@pytest.mark.slow
def test_harness_takes_a_pipelined_top_and_checks_the_latency(tmp_path: Path) -> None:
    _verilator()
    graph = random_mlp(np.random.default_rng(7), depth=2)
    prj = hwq.emit(graph, tmp_path / "prj", backend="verilog", io="parallel", pipeline=3)
    assert prj.latency == 3
    m_in = _mantissas(graph, 1000, 2)
    assert _same(prj.run_ports(m_in), [simulate_mantissas(graph, m_in[0])])
    wrong = VerilogProject(graph, prj.path, prj.top, prj.input_ports, prj.output_ports, latency=2)
    with pytest.raises(SimulationError, match="latency"):
        wrong.run_ports(m_in)
    with pytest.raises(ValueError, match="gaps need engine='cocotb'"):
        prj.run_ports(m_in, gaps=0.5, engine="harness")


@pytest.mark.slow
def test_stream_harness_equals_simulate_and_cocotb(tmp_path: Path) -> None:
    """Random CNNs side by side as one streaming design (several AXI4-Stream ports): the full-rate harness, the
    cocotb testbench under gaps and backpressure, and simulate agree image by image."""
    from support.cnn_graphs import random_cnn_graph

    from hwq.backends.verilog.stream import StreamProject

    _verilator()
    graph = union([random_cnn_graph(np.random.default_rng(s), name=f"cnn{s}") for s in (3, 8)], name="streams")
    prj = hwq.emit(graph, tmp_path / "prj", backend="verilog", io="stream")
    assert isinstance(prj, StreamProject)
    m_in = _mantissas(graph, 400, 5)
    want = simulate_mantissas(graph, m_in)
    for threads in (1, 2):
        assert _same(prj.run_ports(m_in, threads=threads), want)
    assert _same(prj.compile().run_ports([m[:20] for m in m_in], stall=0.3, gaps=0.3), [w[:20] for w in want])
    with pytest.raises(ValueError, match="need engine='cocotb'"):
        prj.run_ports(m_in, stall=0.3, engine="harness")
    wave = prj.waveform([m[:2] for m in m_in], tmp_path / "two.vcd").read_text()  # a traced build, two images
    assert wave.startswith("$version") and "s0_axis_tvalid" in wave and "m1_axis_tlast" in wave
