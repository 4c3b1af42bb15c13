"""Conformance: every IR op on random instances (random types, shapes and fan-in) computes the same
mantissas in simulate, an independent Python-int reference, Vitis and Catapult C-sim, and Verilog RTL.

All instances of a run live side by side in one graph of many inputs and outputs, so each backend
builds once. Adding an op is one entry in support/op_cases.py (and its reference).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from support.op_cases import OP_CASES, conformance_graph, past_range_inputs, port_mantissas
from support.reference import reference_mantissas

import hwq
from hwq.ir import OPS, Graph
from hwq.sim import simulate, simulate_mantissas

INSTANCES = 3  # per op, in the graph every backend builds
BACKEND_SAMPLES = 2000
VERILOG_SAMPLES = 500


def _as_lists(m) -> list[list[list[int]]]:
    outs = m if isinstance(m, list) else [m]
    return [[[int(v) for v in row] for row in o] for o in outs]


def _equal(got, want, graph: Graph, what: str) -> None:
    got, want = _as_lists(got), _as_lists(want)
    for k, name in enumerate(graph.outputs):
        assert got[k] == want[k], f"{what}: output {name!r} of node {graph.producer(name).name!r} differs"


def test_every_op_has_a_case() -> None:
    assert set(OP_CASES) == set(OPS), "an IR op without a conformance case, or a case without an op"


@pytest.mark.parametrize("op", sorted(OPS))
def test_simulate_equals_reference(op: str) -> None:
    graph = conformance_graph(seed=sorted(OPS).index(op), instances=8, ops=[op])
    rng = np.random.default_rng(1)
    m_in = port_mantissas(rng, graph, 300)
    _equal(simulate_mantissas(graph, m_in), reference_mantissas(graph, m_in), graph, f"simulate vs reference ({op})")


def test_conformance_graph_round_trips_through_json() -> None:
    graph = conformance_graph(seed=5, instances=2)
    again = Graph.from_json(graph.to_json())
    assert again.to_dict() == graph.to_dict()
    m_in = port_mantissas(np.random.default_rng(2), graph, 50)
    _equal(simulate_mantissas(again, m_in), simulate_mantissas(graph, m_in), graph, "after JSON")


@pytest.fixture(scope="module")
def suite_graph() -> Graph:
    return conformance_graph(seed=2026, instances=INSTANCES)


def _check_project(graph: Graph, prj, n: int) -> None:
    rng = np.random.default_rng(7)
    m_in = port_mantissas(rng, graph, n)
    want = simulate_mantissas(graph, m_in)
    _equal(want, reference_mantissas(graph, m_in), graph, "simulate vs reference")
    _equal(prj.predict_mantissas(m_in), want, graph, f"{prj.backend} vs simulate")
    x = past_range_inputs(rng, graph, n // 4)
    for got, exp in zip(prj.predict(x), simulate(graph, x), strict=True):
        np.testing.assert_array_equal(got, exp, err_msg=prj.backend)


def test_hls_flavours_conform(suite_graph: Graph, tmp_path: Path) -> None:
    def build(flavour: str):
        return hwq.emit(suite_graph, tmp_path / flavour, backend=flavour).compile()

    with ThreadPoolExecutor(2) as pool:
        projects = list(pool.map(build, ("vitis", "catapult")))
    for prj in projects:
        _check_project(suite_graph, prj, BACKEND_SAMPLES)


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_verilog_conforms(suite_graph: Graph, tmp_path: Path) -> None:
    prj = hwq.emit(suite_graph, tmp_path / "verilog", backend="verilog").compile()
    _check_project(suite_graph, prj, VERILOG_SAMPLES)
