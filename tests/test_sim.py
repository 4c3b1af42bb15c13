"""The simulator equals a slow Python-int interpreter on random graphs, on every carrier path."""

import numpy as np
import pytest
from support.graphs import inputs_over_range, random_mlp
from support.reference import reference_mantissas

from hwq.fixed import to_float
from hwq.ir import Graph
from hwq.sim import input_mantissas, simulate, simulate_mantissas


@pytest.mark.parametrize("seed", range(40))
def test_simulate_equals_reference(seed):
    rng = np.random.default_rng(seed)
    # widths up to 30 bits push accumulators past 53 bits, so int64 and object carriers are used too
    graph = random_mlp(rng, max_bits=16 if seed % 2 else 30)
    x = inputs_over_range(rng, graph, 60)
    m_in = input_mantissas(graph, x)
    got = simulate_mantissas(graph, m_in)
    want = reference_mantissas(graph, m_in)
    assert [[int(v) for v in row] for row in got] == want
    assert np.array_equal(simulate(graph, x), to_float(np.array(want, dtype=object), graph.output.type))


def test_simulate_survives_json_round_trip():
    rng = np.random.default_rng(3)
    graph = random_mlp(rng, depth=3)
    x = inputs_over_range(rng, graph, 200)
    again = Graph.from_json(graph.to_json())
    assert again.to_dict() == graph.to_dict()
    assert np.array_equal(simulate(again, x), simulate(graph, x))


def test_simulate_rejects_wrong_input_shape():
    graph = random_mlp(np.random.default_rng(0), n_in=4)
    with pytest.raises(ValueError, match="inputs of shape"):
        simulate(graph, np.zeros((2, 5)))


def test_simulate_chunks_give_same_result(monkeypatch):
    rng = np.random.default_rng(5)
    graph = random_mlp(rng)
    x = inputs_over_range(rng, graph, 1000)
    whole = simulate(graph, x)
    import hwq.sim.interpreter as sim_module

    monkeypatch.setattr(sim_module, "CHUNK", 7)
    assert np.array_equal(simulate(graph, x), whole)
