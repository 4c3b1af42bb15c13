"""QKeras' qtools operator classes on hwq (`qkeras.qtools.quantized_operators`): the quantizer classes and their
attributes, the multiplier of every pair of modes, accumulators, adders, subtractors, dividers, merges and batch
normalization, conversions both ways, and QKeras-style scripts with only the import changed.

Every expected figure is worked out by hand from QKeras' qtools rules (QKeras' own published figures where its
tests give them); where hwq deliberately differs, the comment says so.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from hwq.qkeras import QActivation, QConv2D, QDense, quantizers
from hwq.qkeras.qtools import generate_layer_data_type_map, interface
from hwq.qkeras.qtools.quantized_operators import (
    IQuantizer,
    accumulator_factory,
    accumulator_impl,
    adder_factory,
    adder_impl,
    divider_factory,
    divider_impl,
    fused_bn_factory,
    merge_factory,
    multiplier_factory,
    multiplier_impl,
    qbn_factory,
    quantizer_factory,
    quantizer_impl,
    subtractor_factory,
)
from hwq.qtools.qtypes import QType, make_multiplier, qtype_of
from hwq.qtools.quantizer_impl import from_qtype

QF = quantizer_factory.QuantizerFactory()


def make(q) -> IQuantizer:
    return QF.make_default_quantizer(q) if isinstance(q, str) else QF.make_quantizer(q)


# -- quantizer classes ---------------------------------------------------------------------------------------

# quantizer -> (class, name, mode, bits, int_bits, is_signed, is_po2, max_val_po2); int_bits without the sign
QUANTIZERS = {
    "quantized_bits(8, 3)": (quantizers.quantized_bits(8, 3), quantizer_impl.QuantizedBits, "quantized_bits",
                             0, 8, 3, 1, 0, -1),
    "quantized_bits(4, 0, 0)": (quantizers.quantized_bits(4, 0, keep_negative=False), quantizer_impl.QuantizedBits,
                                "quantized_bits", 0, 4, 0, 0, 0, -1),
    # qtools keeps 2 bits with 1 integer bit fixed point (print_qstats reads it as ternary)
    "quantized_bits(2, 1)": (quantizers.quantized_bits(2, 1), quantizer_impl.QuantizedBits, "quantized_bits",
                             0, 2, 1, 1, 0, -1),
    # QKeras never sets a tanh's int_bits (it stays -1); its values lie in (-1, 1): hwq says 0
    "quantized_tanh(6)": (quantizers.quantized_tanh(6), quantizer_impl.QuantizedTanh, "quantized_tanh",
                          0, 6, 0, 1, 0, -1),
    "quantized_ulaw(8, 2)": (quantizers.quantized_ulaw(8, 2), quantizer_impl.QuantizedUlaw, "quantized_ulaw",
                             0, 8, 2, 1, 0, -1),
    "quantized_relu(4, 2)": (quantizers.quantized_relu(4, 2), quantizer_impl.QuantizedRelu, "quantized_relu",
                             0, 4, 2, 0, 0, -1),
    "quantized_relu(4, 2, slope)": (quantizers.quantized_relu(4, 2, negative_slope=0.25),
                                    quantizer_impl.QuantizedRelu, "quantized_relu", 0, 4, 2, 1, 0, -1),
    "quantized_relu(1, 1)": (quantizers.quantized_relu(1, 1), quantizer_impl.QuantizedRelu, "quantized_relu",
                             4, 1, 1, 0, 0, -1),
    "binary()": (quantizers.binary(), quantizer_impl.Binary, "binary", 3, 1, 1, 1, 0, -1),
    "binary(use_01)": (quantizers.binary(use_01=True), quantizer_impl.Binary, "binary", 4, 1, 1, 0, 0, -1),
    "stochastic_binary()": (quantizers.stochastic_binary(), quantizer_impl.StochasticBinary, "stochastic_binary",
                            3, 1, 1, 1, 0, -1),
    "bernoulli()": (quantizers.bernoulli(), quantizer_impl.Bernoulli, "bernoulli", 4, 1, 1, 0, 0, -1),
    "ternary()": (quantizers.ternary(), quantizer_impl.Ternary, "ternary", 2, 2, 2, 1, 0, -1),
    "stochastic_ternary()": (quantizers.stochastic_ternary(), quantizer_impl.StochasticTernary,
                             "stochastic_ternary", 2, 2, 2, 1, 0, -1),
    "quantized_po2(4, 2)": (quantizers.quantized_po2(4, 2), quantizer_impl.PowerOfTwo, "quantized_po2",
                            1, 4, 4, 1, 1, 2),
    "quantized_po2(4)": (quantizers.quantized_po2(4), quantizer_impl.PowerOfTwo, "quantized_po2", 1, 4, 4, 1, 1, -1),
    "quantized_relu_po2(4, 2)": (quantizers.quantized_relu_po2(4, 2), quantizer_impl.ReluPowerOfTwo,
                                 "quantized_relu_po2", 1, 4, 4, 0, 1, 2),
    "fp16": ("fp16", quantizer_impl.FloatingPoint, "floating_point", 5, 16, -1, 1, 0, -1),
    "fp32": ("fp32", quantizer_impl.FloatingPoint, "floating_point", 5, 32, -1, 1, 0, -1),
}


@pytest.mark.parametrize("key", sorted(QUANTIZERS))
def test_each_quantizer_class_has_qkeras_attributes(key: str) -> None:
    quantizer, cls, name, mode, bits, int_bits, signed, is_po2, max_val = QUANTIZERS[key]
    q = make(quantizer)
    assert type(q) is cls and isinstance(q, quantizer_impl.IQuantizer)
    assert (q.name, q.mode, q.bits, q.int_bits, q.is_signed, q.is_po2, q.max_val_po2) == \
        (name, mode, bits, int_bits, signed, is_po2, max_val)
    assert q.is_floating_point == (mode == 5) and q.op_type == "quantizer"
    # the same facts as hwq's type, both ways
    t = q.to_qtype()
    assert (t.mode, t.bits, t.int_bits, t.is_signed, t.name) == (mode, bits, int_bits, signed, name)
    assert from_qtype(t) == q and qtype_of(q) == t
    if not isinstance(quantizer, str):
        assert t == qtype_of(quantizer)


def test_qkeras_counts_the_sign_in_json_int_bits_only():
    q = make(quantizers.quantized_bits(8, 3))
    assert (q.bits, q.int_bits, q.is_signed) == (8, 3, 1)  # the object: 3 integer bits besides the sign
    assert interface.populate_quantizer(q) == {"quantizer_type": "quantized_bits", "bits": 8, "int_bits": 4,
                                               "is_signed": 1}
    assert interface.populate_quantizer(make(quantizers.quantized_po2(4))) == \
        {"quantizer_type": "quantized_po2", "bits": 4, "is_signed": 1, "max_value": -1}
    assert interface.populate_quantizer(make(quantizers.stochastic_ternary()), implemented_as="mux") == \
        {"quantizer_type": "stochastic_ternary", "bits": 2, "int_bits": 2, "is_signed": 1, "values": [0, -1, 1],
         "op_type": "mux"}


def test_po2_exponent_spans():
    # signed: one bit for the value's sign, one for the exponent's, 2 for its magnitude: 2^-4 .. 2^3, capped at 2^1
    assert make(quantizers.quantized_po2(4, 2)).get_min_max_exp() == (4, 1)
    assert quantizer_impl.get_exp(make(quantizers.quantized_po2(4))) == (4, 3)
    assert make(quantizers.quantized_relu_po2(4, 2)).get_min_max_exp() == (8, 1)
    # max_value 1 leaves no positive exponent, so hwq's quantizer spends that bit on the magnitude: 2^-8 .. 2^0
    # (QKeras' qtools assumes 2^-4 .. 2^0 from the width alone)
    assert make(quantizers.quantized_po2(4, 1)).get_min_max_exp() == (8, 0)
    # a type known only by its width (built by hand, or changed) spans what QKeras assumes for that width
    p = quantizer_impl.PowerOfTwo()
    p.bits, p.int_bits, p.max_val_po2 = 5, 5, 4
    assert p.get_min_max_exp() == (8, 2)
    q = make(quantizers.quantized_po2(4))
    q.bits = 5
    assert q.get_min_max_exp() == (8, 7)
    q = make(quantizers.quantized_po2(4, 1))
    q.bits = 5
    assert q.get_min_max_exp() == (8, 0)


def test_converting_to_and_from_qkeras_quantizers():
    cases = [
        (quantizers.quantized_bits(6, 2, 0, alpha=1), quantizer_impl.QuantizedBits(), {"symmetric": 0, "alpha": 1}),
        (quantizers.quantized_tanh(), quantizer_impl.QuantizedTanh(), {}),
        (quantizers.quantized_ulaw(), quantizer_impl.QuantizedUlaw(), {}),
        (quantizers.binary(use_01=True), quantizer_impl.Binary(), {}),
        (quantizers.stochastic_binary(), quantizer_impl.StochasticBinary(), {}),
        (quantizers.bernoulli(), quantizer_impl.Bernoulli(), {}),
        (quantizers.quantized_relu(6, 2), quantizer_impl.QuantizedRelu(), {}),
        (quantizers.ternary(), quantizer_impl.Ternary(), {}),
        (quantizers.stochastic_ternary(), quantizer_impl.StochasticTernary(), {}),
        (quantizers.quantized_po2(), quantizer_impl.PowerOfTwo(is_signed=True), {"negative_slope": None}),
        (quantizers.quantized_po2(4, 2), quantizer_impl.PowerOfTwo(), {}),
        (quantizers.quantized_relu_po2(), quantizer_impl.ReluPowerOfTwo(), {}),
    ]
    for original, qtools_quantizer, kw in cases:
        qtools_quantizer.convert_qkeras_quantizer(original)
        again = qtools_quantizer.convert_to_qkeras_quantizer(**kw)
        assert type(again) is type(original) and again.get_config() == original.get_config(), original
    # a po2 object takes its kind's name from the quantizer it converts
    p = quantizer_impl.PowerOfTwo()
    p.convert_qkeras_quantizer(quantizers.quantized_relu_po2(3))
    assert (p.name, p.is_signed) == ("quantized_relu_po2", 0)
    f = quantizer_impl.FloatingPoint(16)
    assert f.convert_to_qkeras_quantizer(16) is None  # there is no float quantizer (as in QKeras)


def test_quantizer_factory():
    assert QF.make_quantizer(None) == QF.make_default_quantizer("quantized_bits(8, 0, 1)")
    assert QF.make_quantizer(np.tanh) == QF.make_quantizer(None)  # not a quantizer: the default type
    q = QF.make_quantizer(quantizers.quantized_bits(4, 0, 1))
    clone = QF.make_quantizer(q)
    assert clone == q and clone is not q  # a qtools object is cloned
    assert QF.make_quantizer(q.to_qtype()) == q  # an hwq type becomes its qtools object
    assert QF.make_quantizer("quantized_relu(4, 2)") == make(quantizers.quantized_relu(4, 2))
    assert QF.quantizer_lookup[quantizers.quantized_po2] is quantizer_impl.PowerOfTwo
    assert QF.quantizer_lookup[quantizer_impl.Ternary] is quantizer_impl.Ternary
    # hwq's int8 is a signed integer (QKeras: quantized_bits(8, 0, 1), the same width)
    int8 = QF.make_default_quantizer("int8")
    assert (type(int8), int8.bits, int8.int_bits, int8.is_signed) == (quantizer_impl.QuantizedBits, 8, 7, 1)
    with pytest.raises(ValueError, match="unaccepted quantizer"):
        QF.make_default_quantizer("nonsense(3)")


def test_objects_are_mutable_compared_by_value_and_unhashable():
    q = make(quantizers.quantized_bits(4, 0, 1))
    q.bits, q.int_bits = 6, 2
    assert q.to_qtype() == QType(0, 6, 2, True, "quantized_bits")
    other = make(quantizers.quantized_bits(6, 2, 1))
    other.op_type = "accumulator"  # a role, not part of the type
    assert q == other and q != make(quantizers.quantized_relu(6, 2))
    with pytest.raises(TypeError):
        hash(q)


def test_po2_value_helpers():
    p = make(quantizers.quantized_po2(8))
    assert p.quantizer_bits_calculator(16.0) == (False, 4)  # exponent 4: 3 bits + the exponent's sign
    assert p.quantizer_bits_calculator(-0.0625) == (True, 3)  # exponent -4
    assert p.quantizer_bits_calculator(1.0) == (False, 1)
    assert p.quantizer_bits_calculator(0.0) == (False, 8)
    with pytest.raises(ValueError, match="not a po2 value"):
        p.quantizer_bits_calculator(3.0)
    p.update_quantizer(-0.0625)
    assert (p.bits, p.int_bits, p.is_signed, p.name, p.max_val_po2) == (4, 4, 1, "quantized_po2", -1)
    p.update_quantizer(16.0, reset=True)
    assert (p.bits, p.is_signed, p.name) == (4, 0, "quantized_relu_po2")
    p.update_inference_values(np.array([[0.5, 2.0], [0.5, 4.0]]))
    assert p.inference_value_counts == 3 and p.to_qtype().value_count == 3


# -- multipliers -----------------------------------------------------------------------------------------------

OPERANDS = {"qb4": quantizers.quantized_bits(4, 0, 1), "qb8": quantizers.quantized_bits(8, 3, 1),
            "relu": quantizers.quantized_relu(4, 0), "po2": quantizers.quantized_po2(4, 2),
            "rpo2": quantizers.quantized_relu_po2(4, 2), "ter": quantizers.ternary(), "bin": quantizers.binary(),
            "b01": quantizers.binary(use_01=True), "fp32": "fp32", "fp16": "fp16"}
M = multiplier_impl
Q = quantizer_impl
# (weight, input) -> (class, implemented_as, output class, name, mode, bits, int_bits, is_signed, max_val_po2,
#                     gate_factor, gate_bits)
MULTIPLIERS = {
    # int bits add (0 + 3), fraction bits add (3 + 4), one sign: 11 bits
    ("qb4", "qb8"): (M.FixedPointMultiplier, "mul", Q.QuantizedBits, "quantized_bits", 0, 11, 3, 1, -1,
                     1.0, math.sqrt(32)),
    # unsigned input: 0 + 0 integer bits, 3 + 4 fraction bits, one sign: 8 bits
    ("qb4", "relu"): (M.FixedPointMultiplier, "mul", Q.QuantizedBits, "quantized_bits", 0, 8, 0, 1, -1, 1.0, 4.0),
    # a shift by 2^-4 .. 2^1: 4 bits more on the right, 1 on the left; barrel of b = sqrt(2^4 * 4) = 8 positions
    ("qb4", "po2"): (M.Shifter, "shifter", Q.QuantizedBits, "quantized_bits", 0, 9, 1, 1, -1,
                     1.0, 8 * math.log10(8)),
    # the po2 as weight, an unsigned input: the shifted value needs a sign bit too
    ("po2", "relu"): (M.Shifter, "shifter", Q.QuantizedBits, "quantized_bits", 0, 10, 1, 1, -1,
                      1.0, 8 * math.log10(8)),
    # ternary selects (two mux levels, 0.6 of an adder) the fixed-point operand, whose widths the product keeps
    ("qb4", "ter"): (M.Mux, "mux", Q.QuantizedBits, "quantized_bits", 0, 4, 0, 1, -1, 0.6, 4.0),
    ("qb4", "bin"): (M.Mux, "mux", Q.QuantizedBits, "quantized_bits", 0, 4, 0, 1, -1, 0.3, 4.0),
    # binary selecting an unsigned operand: one sign bit more
    ("bin", "relu"): (M.Mux, "mux", Q.QuantizedBits, "quantized_bits", 0, 5, 0, 1, -1, 0.3, 4.0),
    ("ter", "qb8"): (M.Mux, "mux", Q.QuantizedBits, "quantized_bits", 0, 8, 3, 1, -1, 0.6, 8.0),
    # {0, 1} gates the other operand: the wider width, the other operand's integer bits
    ("qb4", "b01"): (M.AndGate, "and", Q.QuantizedBits, "quantized_bits", 0, 4, 0, 1, -1, 0.1, 4.0),
    ("b01", "qb8"): (M.AndGate, "and", Q.QuantizedBits, "quantized_bits", 0, 8, 3, 1, -1, 0.1, 8.0),
    ("qb4", "fp32"): (M.FloatingPointMultiplier, "mul", Q.FloatingPoint, "floating_point", 5, 32, -1, 1, -1,
                      1.0, 32.0),
    ("fp16", "ter"): (M.FloatingPointMultiplier, "mul", Q.FloatingPoint, "floating_point", 5, 16, -1, 1, -1,
                      1.0, 16.0),
    # po2 x po2: exponents add, one bit wider; the ceilings multiply
    ("po2", "po2"): (M.Adder, "add", Q.PowerOfTwo, "quantized_po2", 1, 5, 5, 1, 4, 1.0, 5.0),
    ("rpo2", "rpo2"): (M.Adder, "add", Q.PowerOfTwo, "quantized_relu_po2", 1, 5, 5, 0, 4, 1.0, 5.0),
    # a po2 selected by binary/ternary stays po2 (a signed one when the selector negates an unsigned po2)
    ("po2", "ter"): (M.Mux, "mux", Q.PowerOfTwo, "quantized_po2", 1, 4, 4, 1, 2, 0.6, 4.0),
    ("rpo2", "bin"): (M.Mux, "mux", Q.PowerOfTwo, "quantized_po2", 1, 5, 5, 1, 2, 0.3, 4.0),
    ("b01", "po2"): (M.AndGate, "and", Q.PowerOfTwo, "quantized_po2", 1, 4, 4, 1, 2, 0.1, 4.0),
    # binary/ternary products are ternary; a mux keeps the selected operand's widths
    ("ter", "bin"): (M.Mux, "mux", Q.Ternary, "ternary", 2, 1, 1, 1, -1, 0.6, 1.0),
    ("bin", "ter"): (M.Mux, "mux", Q.Ternary, "ternary", 2, 2, 2, 1, -1, 0.3, 2.0),
    ("ter", "ter"): (M.Mux, "mux", Q.Ternary, "ternary", 2, 2, 2, 1, -1, 0.6, 2.0),
    ("bin", "bin"): (M.XorGate, "xor", Q.Binary, "binary", 3, 1, 1, 1, -1, 0.3, 1.0),
    # and gates with ternary products leave QKeras' ternary template as it is
    ("bin", "b01"): (M.AndGate, "and", Q.Ternary, "ternary", 2, 2, 2, 1, -1, 0.1, 2.0),
    ("b01", "ter"): (M.AndGate, "and", Q.Ternary, "ternary", 2, 2, 2, 1, -1, 0.1, 2.0),
    ("b01", "b01"): (M.AndGate, "and", Q.Binary, "binary", 4, 1, 1, 0, -1, 0.1, 1.0),
}


@pytest.mark.parametrize("pair", sorted(MULTIPLIERS))
def test_multiplier_of_each_pair_of_modes(pair: tuple[str, str]) -> None:
    cls, kind, out_cls, name, mode, bits, int_bits, signed, max_val, gate_factor, gate_bits = MULTIPLIERS[pair]
    w, x = make(OPERANDS[pair[0]]), make(OPERANDS[pair[1]])
    m = multiplier_factory.MultiplierFactory().make_multiplier(w, x)
    assert type(m) is cls and m.implemented_as() == kind and isinstance(m, multiplier_impl.IMultiplier)
    out = m.output
    assert type(out) is out_cls and m.name() == name and m.output_quantizer() is out
    assert (out.mode, out.bits, out.int_bits, out.is_signed, out.max_val_po2, out.op_type) == \
        (mode, bits, int_bits, signed, max_val, "multiplier")
    assert (m.gate_factor, m.gate_bits) == pytest.approx((gate_factor, gate_bits))
    assert m.weights == w and m.weights is not w and m.input == x  # the factory works on copies
    # the same rule as hwq's data type map
    assert m.to_record() == make_multiplier(w.to_qtype(), x.to_qtype())


def test_the_multiplier_table_and_direct_construction():
    table = multiplier_factory.MultiplierFactory().multiplier_impl_table
    assert len(table) == 6 and all(len(row) == 6 for row in table)
    assert table[0][1][0] is multiplier_impl.Shifter and type(table[0][1][1]) is quantizer_impl.QuantizedBits
    assert table[3][3][0] is multiplier_impl.XorGate and table[4][4][1].mode == 4
    assert all(cls is multiplier_impl.FloatingPointMultiplier for cls, _ in table[5])
    # a class built directly, with the template QKeras' table gives, is the same multiplier
    w, x = make(quantizers.quantized_bits(4, 0, 1)), make(quantizers.ternary())
    m = multiplier_impl.Mux(w, x, quantizer_impl.QuantizedBits())
    assert (m.output.bits, m.output.int_bits, m.gate_factor) == (4, 0, 0.6)
    with pytest.raises(AssertionError):
        multiplier_impl.FixedPointMultiplier(make("fp32"), w, quantizer_impl.QuantizedBits())
    # hwq types are accepted where QKeras objects go
    m = multiplier_factory.MultiplierFactory().make_multiplier(qtype_of(quantizers.quantized_bits(4, 0, 1)),
                                                               qtype_of(quantizers.quantized_bits(8, 3, 1)))
    assert (m.output.bits, m.output.int_bits) == (11, 3)


def test_a_multiplier_reads_the_known_weights_of_a_po2_kernel():
    w = make(quantizers.quantized_po2(4, 2))
    w.update_inference_values(np.array([0.25, 0.5, 0.5, -2.0]))
    m = multiplier_factory.MultiplierFactory().make_multiplier(w, make(quantizers.quantized_bits(8, 3, 1)))
    # three distinct values: a mux over three shifts (0.3 each) of the 8-bit operand, not a barrel shifter
    assert (m.implemented_as(), m.gate_factor, m.gate_bits) == ("shifter", pytest.approx(0.9), 8)


# -- accumulators and adders -----------------------------------------------------------------------------------

@pytest.mark.parametrize("pair,bias,expected", [
    (("qb4", "qb8"), True, (accumulator_impl.FixedPointAccumulator, 15, 7)),  # 8 products + bias: 4 more bits
    (("qb4", "qb8"), False, (accumulator_impl.FixedPointAccumulator, 14, 6)),  # 8 products: 3 more bits
    # po2 x po2 (5 bits, ceiling 4): QKeras spans 2^-8 .. 2^2 for that width: sign + 8 + 2 bits, then 4 more
    (("po2", "po2"), True, (accumulator_impl.Po2Accumulator, 15, 6)),
    # a po2 selected by ternary keeps its exponents 2^-4 .. 2^1: sign + 4 + 1 bits
    (("po2", "ter"), False, (accumulator_impl.Po2Accumulator, 9, 4)),
    # ternary products (1 bit, 1 integer bit as QKeras counts a ternary times binary): plain growth
    (("ter", "bin"), False, (accumulator_impl.FixedPointAccumulator, 4, 4)),
    (("bin", "bin"), True, (accumulator_impl.FixedPointAccumulator, 5, 5)),
    (("qb4", "fp32"), True, (accumulator_impl.FloatingPointAccumulator, 32, -1)),
])
def test_accumulators(pair, bias, expected):
    m = multiplier_factory.MultiplierFactory().make_multiplier(make(OPERANDS[pair[0]]), make(OPERANDS[pair[1]]))
    acc = accumulator_factory.AccumulatorFactory().make_accumulator((2, 2, 2, 3), m, use_bias=bias)
    cls, bits, int_bits = expected
    assert type(acc) is cls and acc.implemented_as() == "add" and isinstance(acc, accumulator_impl.IAccumulator)
    assert (acc.output.bits, acc.output.int_bits, acc.output.op_type) == (bits, int_bits, "accumulator")
    assert acc.multiplier.to_record() == m.to_record() and acc.multiplier is not m
    if cls is not accumulator_impl.FloatingPointAccumulator:
        assert acc.log_add_ops == (4 if bias else 3)
        assert type(acc.output) is quantizer_impl.QuantizedBits
    assert accumulator_impl.po2_to_qbits(make(quantizers.quantized_po2(4, 2))) == (6, 1)


def test_adders_and_subtractors():
    w, relu = make(quantizers.quantized_bits(4, 0, 1)), make(quantizers.quantized_relu(4, 0))
    adders = adder_factory.IAdder()
    total = adders.make_quantizer(w, relu)
    # one integer bit more than the wider, the finer fraction (4), signed: 6 bits
    assert type(total) is adder_impl.FixedPointAdder and total.implemented_as() == "add"
    assert (total.output.bits, total.output.int_bits, total.output.is_signed) == (6, 1, 1)
    po2 = make(quantizers.quantized_po2(4, 2))
    total = adders.make_quantizer(po2, w)  # 2^-4 .. 2^1 is sign + 1 + 4 bits first
    assert type(total) is adder_impl.Po2FixedPointAdder and (total.output.bits, total.output.int_bits) == (7, 2)
    assert adder_impl.po2_qbits_converter(po2) == make(quantizers.quantized_bits(6, 1, 1))
    total = adders.make_quantizer(po2, po2)
    assert type(total) is adder_impl.Po2Adder and (total.output.bits, total.output.int_bits) == (7, 2)
    total = adders.make_quantizer(make("fp16"), w)
    assert type(total) is adder_impl.FloatingPointAdder and (total.output.name, total.output.bits) == \
        ("floating_point", 16)
    assert adders.adder_impl_table[1][1] is adder_impl.Po2Adder and adders.adder_impl_table[2][3] is \
        adder_impl.FixedPointAdder
    subtractors = subtractor_factory.ISubtractor()
    # two unsigned operands: the difference needs a sign bit
    diff = subtractors.make_quantizer(relu, make(quantizers.quantized_relu(6, 2)))
    assert (diff.output.bits, diff.output.int_bits, diff.output.is_signed) == (8, 3, 1)
    assert subtractors.make_quantizer(w, relu).output == adders.make_quantizer(w, relu).output


# -- dividers, merges, batch normalization ---------------------------------------------------------------------

def test_dividers():
    dividers = divider_factory.IDivider()
    qb8, po2 = make(quantizers.quantized_bits(8, 3, 1)), make(quantizers.quantized_po2(4, 2))
    # / 2^-4 .. 2^1: a shift the other way; dividing by 2^-4 adds 4 integer bits
    d = dividers.make_quantizer(qb8, po2)
    assert type(d) is divider_impl.Shifter and d.implemented_as() == "shifter"
    assert (d.output.bits, d.output.int_bits, d.output.is_signed) == (13, 7, 1)
    b = math.sqrt(2 ** 4 * 8)
    assert (d.gate_factor, d.gate_bits) == pytest.approx((1.0, b * math.log10(b)))
    assert d.numerator_quantizier == qb8 and d.numerator_quantizer is d.numerator_quantizier
    d = dividers.make_quantizer(make(quantizers.quantized_relu(4, 0)), po2)  # unsigned / signed: a sign bit more
    assert (d.output.bits, d.output.int_bits, d.output.is_signed) == (10, 4, 1)
    d = dividers.make_quantizer(po2, po2)  # exponents subtract; the ceilings divide
    assert type(d) is divider_impl.Subtractor and d.implemented_as() == "add"
    assert (type(d.output), d.output.name, d.output.bits, d.output.int_bits, d.output.max_val_po2) == \
        (quantizer_impl.PowerOfTwo, "quantized_po2", 5, 5, 1.0)
    d = dividers.make_quantizer(qb8, make(quantizers.quantized_bits(4, 0, 1)))
    assert type(d) is divider_impl.FloatingPointDivider and (d.output.bits, d.implemented_as()) == (32, "mul")
    assert dividers.make_quantizer(make("fp16"), po2).output.bits == 16
    d = dividers.make_quantizer(make(quantizers.binary()), po2)  # QKeras' template here is a po2 type
    assert (type(d.output), d.output.mode, d.output.bits, d.output.int_bits) == (quantizer_impl.PowerOfTwo, 1, 6, 5)
    with pytest.raises(divider_factory.UnacceptedQuantizerError, match="ternary not accepted"):
        dividers.make_quantizer(qb8, make(quantizers.ternary()))


def _edges(*qs):
    return [(make(q), {"shape": (None, 8)}) for q in qs]


def test_merge_layers():
    merges = merge_factory.MergeFactory()
    inputs = _edges(quantizers.quantized_bits(4, 0, 1), quantizers.quantized_bits(5, 0, 0),
                    quantizers.quantized_bits(6, 0, 1))
    # QKeras' published Multiply figure: 13 bits, 0 integer bits
    product = merges.make_quantizer(_edges(quantizers.quantized_bits(4, 0, 1), quantizers.quantized_bits(5, 0, 1),
                                           quantizers.quantized_bits(6, 0, 1)), "Multiply")
    assert (product.output.bits, product.output.int_bits, product.implemented_as()) == (13, 0, "mul")
    # Maximum: QKeras' published 6 bits, 0 integer bits (the finest fraction, signed)
    top = merges.make_quantizer(inputs, "Maximum")
    assert (top.output.bits, top.output.int_bits, top.output.is_signed, top.gate_factor, top.gate_bits) == \
        (6, 0, 1, 0.2, 6)
    assert merges.make_quantizer(inputs, "Concatenate").gate_factor == 0
    assert merges.make_quantizer(inputs, "Average").gate_factor == 1
    assert merges.make_quantizer(inputs, "Minimum").output == top.output
    alike = _edges(quantizers.ternary(), quantizers.ternary())
    assert merges.make_quantizer(alike, "Maximum").output is merges.make_quantizer(alike, "Maximum").input_quantizers[0]
    # Add of three: two more integer bits (QKeras says 7 bits, 1 integer bit: one, whatever the count)
    total = merges.make_quantizer(inputs, "Add")
    assert (total.output.bits, total.output.int_bits, total.implemented_as(), total.gate_bits) == (8, 2, "add", 8)
    assert total.edges == [{"shape": (None, 8)}] * 3
    with pytest.raises(NotImplementedError):
        merges.make_quantizer(inputs, "Dot")
    assert merges.make_quantizer(inputs, "Dense") is None


def test_batch_normalization():
    qbn = qbn_factory.QBNFactory()
    x = make(quantizers.quantized_bits(8, 3, 1))
    gamma, variance = make(quantizers.quantized_relu_po2(4, 2)), make(quantizers.quantized_relu_po2(5, 4))
    beta = make(quantizers.quantized_bits(6, 2, 1))
    qbn.make_quantizer(x, gamma, beta, x, variance, True, True)
    # stddev: 4 bits, ceiling 2; gamma / stddev: exponents subtract: a 5-bit signed po2 of ceiling 1 (2^-8 .. 2^0)
    d = qbn.internal_divide_quantizer
    assert (type(d), d.output.bits, d.output.max_val_po2, d.output.get_min_max_exp()) == \
        (divider_impl.Subtractor, 5, 1.0, (8, 0))
    # times x: a shift by 2^-8 .. 2^0 of 8 bits: 16 bits, 3 integer bits
    m = qbn.internal_multiplier
    assert (type(m), m.output.bits, m.output.int_bits) == (multiplier_impl.Shifter, 16, 3)
    # + beta: 4 integer bits, 12 fraction bits, sign
    acc = qbn.internal_accumulator
    assert (acc.output.bits, acc.output.int_bits) == (17, 4) and qbn.internal_output is acc
    qbn.make_quantizer(x, gamma, beta, x, variance, False, False)  # x / stddev: 2^-8 .. 2^1 the other way
    assert qbn.internal_multiplier is None and qbn.internal_accumulator is None
    assert (qbn.internal_output.output.bits, qbn.internal_output.output.int_bits) == (17, 11)
    with pytest.raises(divider_factory.UnacceptedQuantizerError):  # QKeras' test_invalid_denominator_qbn
        qbn.make_quantizer(make(quantizers.binary()), make(quantizers.ternary()), x, x, make(quantizers.ternary()),
                           True, True)


def test_fused_batch_normalization():
    fused = fused_bn_factory.FusedBNFactory()
    inverse = quantizers.quantized_bits(6, 2, 1)
    fused.make_quantizer(make(quantizers.quantized_bits(8, 3, 1)), make(quantizers.quantized_bits(6, 2, 1)),
                         make(quantizers.quantized_bits(8, 3, 1)), make(inverse),
                         make(quantizers.quantized_bits(4, 0, 1)), True, True, inverse)
    # inv * x and inv * mean: 13 bits, 5 integer bits; inv * bias: 9, 2; + each other: 14, 6; + beta: 15, 7;
    # inv * x - fused bias: 16 bits, 8 integer bits
    out = fused.internal_output.output
    assert (out.bits, out.int_bits) == (16, 8) and fused.internal_accumulator is fused.internal_output
    with pytest.raises(AssertionError, match="inverse_quantizer"):
        fused.make_quantizer(make("fp32"), make("fp32"), make("fp32"), make("fp32"), None, False, False, None)


# -- QKeras scripts with only the import changed ---------------------------------------------------------------

def test_a_qkeras_operator_script_with_only_the_import_changed():
    # what a QKeras user writes, `qkeras` replaced by `hwq.qkeras`
    from hwq.qkeras import quantizers as qk_quantizers
    from hwq.qkeras.qtools.quantized_operators import accumulator_factory as af
    from hwq.qkeras.qtools.quantized_operators import multiplier_factory as mf
    from hwq.qkeras.qtools.quantized_operators import multiplier_impl as mi
    from hwq.qkeras.qtools.quantized_operators import quantizer_factory as qf_module
    from hwq.qkeras.qtools.quantized_operators import quantizer_impl as qi

    qf = qf_module.QuantizerFactory()
    kernel = qf.make_quantizer(qk_quantizers.quantized_bits(4, 0, 1))
    act = qf.make_quantizer(qk_quantizers.quantized_relu(6, 2))
    assert isinstance(kernel, qi.QuantizedBits) and isinstance(act, qi.QuantizedRelu)
    mult = mf.MultiplierFactory().make_multiplier(kernel, act)
    assert isinstance(mult, mi.FixedPointMultiplier)
    assert (mult.output.bits, mult.output.int_bits) == (10, 2)  # 2 + 0 integer, 4 + 3 fraction, sign
    # QKeras' objects are changed in place: a wider kernel, sized again
    kernel.bits, kernel.int_bits = 6, 1
    mult = mf.MultiplierFactory().make_multiplier(kernel, act)
    assert (mult.output.bits, mult.output.int_bits) == (12, 3)
    # a 3x3x8 kernel: 72 products and the bias, 7 more bits
    acc = af.AccumulatorFactory().make_accumulator((3, 3, 8, 16), mult)
    assert (acc.output.bits, acc.output.int_bits) == (19, 10)
    mult.output.bits += 1  # the accumulator factory reads the multiplier as it is now
    assert af.AccumulatorFactory().make_accumulator((3, 3, 8, 16), mult).output.bits == 20
    assert acc.output.bits == 19


def test_the_data_type_map_holds_qkeras_objects_with_qkeras_published_figures():
    # QKeras' test_conv2d: quantized_bits(6, 0, 1) input, quantized_relu_po2(4, 2) kernel and bias
    x = xi = keras.layers.Input((23, 23, 1), name="input")
    x = QActivation("quantized_bits(6, 0, 1)", name="QA_0")(x)
    x = QConv2D(16, 2, 2, kernel_quantizer=quantizers.quantized_relu_po2(4, 2),
                bias_quantizer=quantizers.quantized_relu_po2(4, 2), name="qconv2d_1")(x)
    model = keras.Model(xi, x)
    result = generate_layer_data_type_map.generate_layer_data_type_map(model, None, False)
    entry = result["layer_data_type_map"][model.get_layer("qconv2d_1")]
    assert isinstance(entry.multiplier, multiplier_impl.Shifter)
    assert isinstance(entry.accumulator, accumulator_impl.FixedPointAccumulator)
    assert isinstance(entry.weight_quantizer, quantizer_impl.ReluPowerOfTwo)
    assert isinstance(entry.input_quantizer_list[0], quantizer_impl.QuantizedBits)
    assert entry.multiplier.weights == entry.weight_quantizer and entry.accumulator.multiplier is entry.multiplier
    d = interface.map_to_json(result)["qconv2d_1"]
    assert d["multiplier"] == {"quantizer_type": "quantized_bits", "bits": 15, "int_bits": 2, "is_signed": 1,
                               "op_type": "shifter"}
    assert d["accumulator"] == {"quantizer_type": "quantized_bits", "bits": 18, "int_bits": 5, "is_signed": 1,
                                "op_type": "add"}
    assert d["operation_count"] == 7744

    # QKeras' test_util_layers: a {0, 1} kernel is an and gate; the po2 activation comes out
    x = xi = keras.layers.Input((24, 24, 1), name="input")
    x = QActivation("quantized_bits(6, 0, 1)", name="QA_0")(x)
    x = keras.layers.Reshape((12 * 12, 4, 1), name="reshape_1")(x)
    x = keras.layers.MaxPooling2D(pool_size=(2, 2), name="maxpooling_2")(x)
    x = keras.layers.Flatten(name="flatten_3")(x)
    x = QDense(30, kernel_quantizer=quantizers.binary(use_01=1), bias_quantizer=quantizers.binary(use_01=1),
               activation=quantizers.quantized_po2(3, 2), name="qdense_4")(x)
    d = interface.map_to_json(generate_layer_data_type_map.generate_layer_data_type_map(keras.Model(xi, x), None,
                                                                                        False))["qdense_4"]
    assert d["multiplier"] == {"quantizer_type": "quantized_bits", "bits": 6, "int_bits": 1, "is_signed": 1,
                               "op_type": "and"}
    assert (d["accumulator"]["bits"], d["accumulator"]["int_bits"]) == (15, 10)
    assert d["output_quantizer"] == {"quantizer_type": "quantized_po2", "bits": 3, "is_signed": 1, "max_value": 2,
                                     "shape": [-1, 30]}

    # QKeras' test_qdense_model_fork: a binary kernel on quantized_relu(4): mux, 5 bits; 20 products + bias
    x = xi = keras.layers.Input((23,), name="input")
    x = QDense(20, kernel_quantizer=quantizers.quantized_bits(5, 0, 1),
               bias_quantizer=quantizers.quantized_bits(5, 0, 1), activation=quantizers.quantized_relu(6, 2),
               name="qdense_1")(x)
    x = QActivation("quantized_relu(4)", name="QA_2")(x)
    x = QDense(30, kernel_quantizer=quantizers.binary(), bias_quantizer=quantizers.binary(), name="qdense_3")(x)
    d = interface.map_to_json(generate_layer_data_type_map.generate_layer_data_type_map(
        keras.Model(xi, x), [quantizers.quantized_bits(4, 0, 1)], False))["qdense_3"]
    assert d["multiplier"] == {"quantizer_type": "quantized_bits", "bits": 5, "int_bits": 1, "is_signed": 1,
                               "op_type": "mux"}
    assert (d["accumulator"]["bits"], d["accumulator"]["int_bits"]) == (11, 7)
