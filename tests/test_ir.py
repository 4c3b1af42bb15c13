"""IR rules: validation, names, JSON."""

import numpy as np
import pytest
from support.graphs import random_mlp

from hwq.fixed import FixedType
from hwq.ir import Graph, IntTensor, IRError, Node, Value, legal_identifier
from hwq.ir.names import RESERVED


@pytest.mark.parametrize("raw", ["dense 1", "3x", "module", "class", "a/b:0", "__x__", "ünïcode", "", "clk", "hwq_x"])
def test_legal_identifier(raw):
    ident = legal_identifier(raw)
    assert ident.isidentifier() and ident.isascii()
    assert ident.lower() not in RESERVED and "__" not in ident and not ident.startswith("hwq")


def test_legal_identifiers_are_unique():
    taken: set[str] = set()
    names = [legal_identifier(n, taken) for n in ["a b", "a-b", "a_b", "a.b"]]
    assert len(set(names)) == 4


def test_validate_rejects_unknown_op_and_undefined_input():
    t = FixedType(8, 3)
    x = Value("x", (2,), t)
    with pytest.raises(IRError, match="unknown op"):
        Graph("g", [x], [Node("n", "conv9d", ["x"], Value("y", (2,), t))], ["y"]).validate()
    with pytest.raises(IRError, match="no earlier node"):
        Graph("g", [x], [Node("n", "quantize", ["z"], Value("y", (2,), t))], ["y"]).validate()
    with pytest.raises(IRError, match="lacks parameter"):
        Graph("g", [x], [Node("n", "dense", ["x"], Value("y", (2,), t), {"accumulator": t, "multiplier": "mult"})],
              ["y"]).validate()


def test_int_tensor_refuses_floats_and_out_of_range():
    with pytest.raises(TypeError):
        IntTensor(np.array([0.5]), FixedType(4, 1))
    with pytest.raises(ValueError, match="outside the range"):
        IntTensor(np.array([8]), FixedType(4, 1))


def test_json_round_trip_keeps_everything():
    graph = random_mlp(np.random.default_rng(11), depth=3)
    again = Graph.from_json(graph.to_json())
    assert again.to_dict() == graph.to_dict()
    assert "accumulator" in graph.summary()


def test_from_json_refuses_other_documents():
    with pytest.raises(IRError, match="not an hwq IR"):
        Graph.from_json('{"nodes": []}')


def test_validate_refuses_names_that_are_not_ascii_identifiers():
    t = FixedType(8, 3)
    for bad in ["dénse", "a b", "3x"]:
        with pytest.raises(IRError, match="ASCII identifier"):
            Graph("g", [Value("x", (2,), t)], [Node(bad, "quantize", ["x"], Value("y", (2,), t))], ["y"]).validate()
    with pytest.raises(IRError, match="ASCII identifier"):
        Graph("my model", [Value("x", (2,), t)], [Node("n", "quantize", ["x"], Value("y", (2,), t))], ["y"]).validate()


def test_shift_multiplier_kinds_need_power_of_two_weights():
    from hwq.ir.build import dense_node

    x = Value("x", (2,), FixedType(6, 2, True))
    po2 = IntTensor(np.array([[2, -4], [0, 1]]), FixedType(6, 2, True))
    assert dense_node("d", x, po2, None, "y").attrs["multiplier"] == "barrel"
    three = IntTensor(np.array([[3, -4], [0, 1]]), FixedType(6, 2, True))
    node = dense_node("d", x, three, None, "y", multiplier="barrel")
    with pytest.raises(IRError, match="'d'.*power of two"):
        Graph("g", [x], [node], ["y"]).validate()
