"""The Horowitz energy model against figures computed by hand."""

import math

import pytest

from hwq.qtools import energy_model as em


def test_integer_add_and_multiply():
    assert em.add_energy(32) == pytest.approx(0.1)  # 0.003125 pJ per bit
    assert em.add_energy(18) == pytest.approx(0.05625)
    assert em.mul_energy(8) == pytest.approx(0.002994791667 * 64 + 0.001041666667 * 8)  # 0.2 pJ
    assert em.mul_energy(8) == pytest.approx(0.2, abs=1e-9)
    assert em.mul_energy(16) == pytest.approx(0.78333333, abs=1e-6)


def test_float_constants_and_unknown_floats():
    assert em.add_energy(99, float_bits=32) == 0.9 and em.mul_energy(1, float_bits=32) == 3.7
    assert em.add_energy(99, float_bits=16) == 0.4 and em.mul_energy(1, float_bits=16) == 1.1
    with pytest.raises(ValueError, match="16- and 32-bit"):
        em.add_energy(8, float_bits=8)


def test_sram_word_polynomial_at_2_27():
    # 9.02427321e-4·27³ − 2.68847858e-2·27² + 2.08900804e-1·27 = 3.80379...
    expected = 9.02427321e-04 * 27**3 - 2.68847858e-02 * 27**2 + 2.08900804e-01 * 27
    assert em.sram_word_energy(100, 2**27) == pytest.approx(expected)
    assert expected == pytest.approx(3.80379, abs=1e-5)
    # 784 8-bit inputs: 98 words
    assert em.round_pj(em.sram_energy(784 * 8, 2**27)) == 372.77


def test_sram_size_is_the_larger_of_data_and_minimum():
    assert em.sram_word_energy(2**30, 2**27) == pytest.approx(em.poly(em.HOROWITZ.sram_access, 30))
    assert em.sram_energy(0, 2**27) == 0.0
    assert em.sram_energy(65, 2**27) == pytest.approx(2 * em.sram_word_energy(65, 2**27))  # whole words


def test_poly_clips_negative_values():
    assert em.poly((1.0, -5.0), 2.0) == 0.0


def test_dram_and_io_rules():
    bits = 1000
    assert em.dram_energy(bits) == pytest.approx(20312.5)
    sram = em.sram_energy(bits, 0)
    assert em.memory_read_energy(bits, "dram") == pytest.approx(20312.5)
    assert em.memory_read_energy(bits, "dram", rd_wr_on_io=True) == pytest.approx(20312.5 + sram)
    # at the model's input or output the memory is DRAM (+ SRAM) with rd_wr_on_io, else SRAM
    assert em.memory_read_energy(bits, "fixed", at_io=True, rd_wr_on_io=True) == pytest.approx(20312.5 + sram)
    assert em.memory_write_energy(bits, "dram", at_io=True, rd_wr_on_io=False) == pytest.approx(sram)
    assert em.memory_read_energy(bits, "fixed") == 0.0
    with pytest.raises(ValueError, match="memory must be"):
        em.memory_read_energy(bits, "flash")


def test_gates():
    assert em.mult_gate(4, 9) == (1.0, 6.0)
    assert em.mux_gate(8, binary_selector=True) == (0.3, 8.0)
    assert em.mux_gate(8, binary_selector=False) == (0.6, 8.0)
    assert em.xor_gate() == (0.3, 1.0) and em.and_gate(6) == (0.1, 6.0)
    b = math.sqrt(2**4 * 6)
    assert em.shifter_gate(4, 6) == pytest.approx((1.0, b * math.log10(b)))
    assert em.shifter_gate(4, 6, value_count=3) == pytest.approx((0.9, 6.0))
    assert em.adder_gate(3, 5) == (1.0, 6.0)


def test_mac_energy_by_hand():
    # 30000 MACs of a 4x4-bit multiplier into an 18-bit accumulator: 30000·(0.0520833 + 0.05625)
    assert em.mac_energy(30000, "mul", 1.0, 4.0, 18) == pytest.approx(3250.0)
    # 235200 binary-weight muxes over 8-bit inputs into 19 bits: 235200·(0.3·0.025 + 0.059375)
    assert em.mac_energy(235200, "mux", 0.3, 8.0, 19) == pytest.approx(15729.0)
    with pytest.raises(ValueError, match="unknown operation"):
        em.gate_energy("divide", 8)


def test_rounding_and_include_choices():
    assert em.round_pj(1.23456) == 1.23 and em.round_pj(0.004) == 0.0
    assert em.included_parts(em.DEFAULT_INCLUDE_ENERGY, "QActivation") == ["outputs"]
    assert em.included_parts(em.DEFAULT_INCLUDE_ENERGY, "QConv2D") == ["inputs", "parameters", "op_cost"]
    assert em.process_named("horowitz") is em.HOROWITZ
    with pytest.raises(ValueError, match="unknown process"):
        em.process_named("7nm")
