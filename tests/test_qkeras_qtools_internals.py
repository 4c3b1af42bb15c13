"""QKeras' qtools internals on hwq, used as a QKeras script would: settings.cfg, config_public, the data type
map (generate_layer_data_type_map, its JSON through interface.map_to_json), the quantized_operators
factories, qtools_util and qenergy. Every figure below is worked out by hand from QKeras' rules."""

from __future__ import annotations

import copy
import json

import keras
import numpy as np
import pytest

from hwq.layers import QActivation, QConv2D, QDense
from hwq.qkeras.qtools import config_public, generate_layer_data_type_map, interface, qtools_util, run_qtools
from hwq.qkeras.qtools import settings as qtools_settings
from hwq.qkeras.qtools.qenergy import qenergy
from hwq.qkeras.qtools.quantized_operators import (
    AccumulatorFactory,
    IAdder,
    MultiplierFactory,
    QuantizerFactory,
    accumulator_impl,
    quantizer_impl,
)
from hwq.quantizers import binary, quantized_bits, quantized_po2, quantized_relu

SOURCE = quantized_bits(8, 3, 1)  # 3 integer bits + sign, 4 fraction bits
SRAM = dict(weights_on_memory="sram", activations_on_memory="sram", min_sram_size=0, rd_wr_on_io=False)


@pytest.fixture(scope="module")
def model() -> keras.Model:
    """conv (2x2 on 4x4x2 -> 3x3x3) -> relu(4,0) -> flatten (27) -> fc (5) -> head: a plain Keras Dense (2)."""
    x = xi = keras.Input((4, 4, 2), name="x")
    x = QConv2D(3, 2, kernel_quantizer=quantized_bits(4, 0, 1), bias_quantizer=quantized_bits(4, 0, 1), name="conv")(x)
    x = QActivation(quantized_relu(4, 0), name="relu")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = QDense(5, kernel_quantizer=quantized_bits(6, 1, 1), bias_quantizer=quantized_bits(6, 1, 1), name="fc")(x)
    x = keras.layers.Dense(2, name="head")(x)
    return keras.Model(xi, x)


@pytest.fixture(autouse=True)
def restore_settings():
    """cfg and config_settings are global, as in QKeras: give each test the shipped ones back."""
    saved_settings = copy.deepcopy(config_public.config_settings)
    saved_cfg = copy.deepcopy(vars(qtools_settings.cfg))
    yield
    config_public.config_settings.clear()
    config_public.config_settings.update(saved_settings)
    vars(qtools_settings.cfg).clear()
    vars(qtools_settings.cfg).update(saved_cfg)


def qtools(model: keras.Model) -> run_qtools.QTools:
    return run_qtools.QTools(model, process="horowitz", source_quantizers=[SOURCE], is_inference=False)


# -- settings and config_public --------------------------------------------------------------------------

def test_cfg_holds_qkeras_fields_and_the_shipped_settings():
    cfg = qtools_settings.cfg
    shipped = config_public.config_settings
    assert cfg.default_source_quantizer == shipped["default_source_quantizer"] == "quantized_bits(8, 0, 1)"
    assert cfg.default_interm_quantizer == shipped["default_interm_quantizer"] == "quantized_bits(8, 0, 1)"
    assert list(cfg.fpm_add.coeffs) == shipped["horowitz"]["fpm_add"] == [0.003125, 0.0]
    assert cfg.fpm_mul(2.0) == 0.002994791667 * 4 + 0.001041666667 * 2  # poly1d: callable, highest power first
    # every shipped entry (a QTools built earlier in this process adds the plain twins of Q layers, as QKeras does)
    assert all(cfg.include_energy[k] == v for k, v in shipped["include_energy"].items())
    assert cfg.include_energy["QActivation"] == ["outputs"]
    assert cfg.include_energy["default"] == ["inputs", "parameters", "op_cost"]
    assert cfg.sram_mul_factor == 1 / 64
    from hwq.qkeras.qtools import qtools_cfg

    assert qtools_cfg is cfg


def test_update_takes_the_settings_given_and_twins_q_layers():
    cfg = qtools_settings.ConfigClass()
    cfg.update("horowitz", {"default_interm_quantizer": "fp16", "horowitz": {"fpm_add": [1.0, 0.0]},
                            "include_energy": {"QDense": ["op_cost"]}})
    assert cfg.default_interm_quantizer == "fp16"
    assert cfg.default_source_quantizer == "quantized_bits(8, 0, 1)"  # not given: kept
    assert cfg.fpm_add(5.0) == 5.0
    assert cfg.include_energy["QDense"] == cfg.include_energy["Dense"] == ["op_cost"]
    assert cfg.energy_process().int_add == (1.0, 0.0)


# -- generate_layer_data_type_map --------------------------------------------------------------------------

def test_layer_data_type_map_of_a_conv_and_a_dense(model):
    result = generate_layer_data_type_map.generate_layer_data_type_map(model, [SOURCE], False)
    assert set(result) == {"source_quantizer_list", "output_layers", "input_layers", "layer_data_type_map"}
    assert result["input_layers"] == [model.get_layer("conv")]
    assert result["output_layers"] == [model.get_layer("head")]
    src = result["source_quantizer_list"][0]
    assert (src.bits, src.int_bits, src.is_signed) == (8, 3, 1)
    m = result["layer_data_type_map"]
    assert [layer.name for layer in m] == ["conv", "relu", "flat", "fc", "head"]

    conv = m[model.get_layer("conv")]
    assert isinstance(conv, generate_layer_data_type_map.LayerDataType)
    # 8-bit input (3 int, 4 frac) x 4-bit weight (0 int, 3 frac): 3 int + 7 frac + sign = 11 bits
    assert conv.multiplier.implemented_as() == "mul"
    assert (conv.multiplier.output.bits, conv.multiplier.output.int_bits) == (11, 3)
    # 2*2*2 = 8 products: 3 more integer bits (14), then + a 4-bit bias: one more (15)
    assert conv.accumulator.implemented_as() == "add"
    assert (conv.accumulator.output.bits, conv.accumulator.output.int_bits, conv.accumulator.output.is_signed) \
        == (15, 7, 1)
    assert (conv.w_shapes, conv.b_shapes, conv.output_shapes) == ((2, 2, 2, 3), (3,), (None, 3, 3, 3))
    assert conv.operation_count == 3 * 3 * 3 * 8
    assert conv.output_quantizer == conv.accumulator.output  # no activation: the accumulator comes out

    relu = m[model.get_layer("relu")]
    assert relu.multiplier is None and relu.accumulator is None and relu.weight_quantizer is None
    assert (relu.output_quantizer.bits, relu.output_quantizer.int_bits, relu.output_quantizer.is_signed) == (4, 0, 0)

    fc = m[model.get_layer("fc")]
    # unsigned 4-bit input (0 int, 4 frac) x 6-bit weight (1 int, 4 frac): 1 int + 8 frac + sign = 10 bits
    assert (fc.multiplier.output.bits, fc.multiplier.output.int_bits) == (10, 1)
    # 27 products: ceil(log2 27) = 5 more integer bits (15); + a 6-bit bias with 1 integer bit: 16
    assert (fc.accumulator.output.bits, fc.accumulator.output.int_bits) == (16, 7)
    assert fc.input_quantizer_list[0].name == "quantized_relu"
    assert fc.operation_count == 27 * 5

    head = m[model.get_layer("head")]  # a Keras layer: weights, products and sums in the default type
    assert (head.weight_quantizer.bits, head.weight_quantizer.int_bits) == (8, 0)
    assert (head.multiplier.output.bits, head.accumulator.output.bits) == (8, 8)


def test_cfg_defaults_change_the_map(model):
    cfg = qtools_settings.cfg
    cfg.default_interm_quantizer = "quantized_bits(12, 4, 1)"
    cfg.default_source_quantizer = "quantized_bits(6, 2, 1)"
    m = generate_layer_data_type_map.generate_layer_data_type_map(model, None, False)
    head = m["layer_data_type_map"][model.get_layer("head")]
    assert (head.weight_quantizer.bits, head.accumulator.output.bits, head.accumulator.output.int_bits) == (12, 12, 4)
    assert (m["source_quantizer_list"][0].bits, m["source_quantizer_list"][0].int_bits) == (6, 2)
    conv = m["layer_data_type_map"][model.get_layer("conv")]
    # 6-bit input (2 int, 3 frac) x 4-bit weight: 2 int + 6 frac + sign = 9 bits
    assert conv.multiplier.output.bits == 9


def test_qtools_applies_config_settings_to_cfg_first(model):
    qtools_settings.cfg.default_interm_quantizer = "quantized_bits(12, 4, 1)"  # QTools resets it, as in QKeras
    assert qtools(model)._output_dict["head"]["accumulator"]["bits"] == 8
    assert qtools_settings.cfg.default_interm_quantizer == "quantized_bits(8, 0, 1)"
    config_public.config_settings["default_interm_quantizer"] = "quantized_bits(16, 5, 1)"
    head = qtools(model)._output_dict["head"]
    assert head["accumulator"] == {"quantizer_type": "quantized_bits", "bits": 16, "int_bits": 6, "is_signed": 1,
                                   "op_type": "add"}
    assert qtools_settings.cfg.default_interm_quantizer == "quantized_bits(16, 5, 1)"


# -- JSON ------------------------------------------------------------------------------------------------

def test_data_type_map_json_dump_and_reload(model, tmp_path):
    q = qtools(model)
    path = tmp_path / "qtools.json"
    q.qtools_stats_to_json(path)
    d = json.loads(path.read_text())
    assert list(d) == ["source_quantizers", "conv", "relu", "flat", "fc", "head"]
    assert d["source_quantizers"] == [{"quantizer_type": "quantized_bits", "bits": 8, "int_bits": 4, "is_signed": 1}]
    # QKeras' JSON counts the sign in int_bits
    assert d["conv"] == {
        "layer_type": "QConv2D",
        "input_quantizer_list": [{"quantizer_type": "quantized_bits", "bits": 8, "int_bits": 4, "is_signed": 1}],
        "output_quantizer": {"quantizer_type": "quantized_bits", "bits": 15, "int_bits": 8, "is_signed": 1,
                             "shape": [-1, 3, 3, 3]},
        "weight_quantizer": {"quantizer_type": "quantized_bits", "bits": 4, "int_bits": 1, "is_signed": 1,
                             "shape": [2, 2, 2, 3]},
        "bias_quantizer": {"quantizer_type": "quantized_bits", "bits": 4, "int_bits": 1, "is_signed": 1, "shape": [3]},
        "multiplier": {"quantizer_type": "quantized_bits", "bits": 11, "int_bits": 4, "is_signed": 1, "op_type": "mul"},
        "accumulator": {"quantizer_type": "quantized_bits", "bits": 15, "int_bits": 8, "is_signed": 1,
                        "op_type": "add"},
        "operation_count": 216}
    assert d["relu"]["output_quantizer"] == {"quantizer_type": "quantized_relu", "bits": 4, "int_bits": 0,
                                             "is_signed": 0, "shape": [-1, 3, 3, 3]}
    relu4 = {"quantizer_type": "quantized_relu", "bits": 4, "int_bits": 0, "is_signed": 0}
    assert d["flat"] == {"layer_type": "Flatten", "input_quantizer_list": [relu4],
                         "output_quantizer": relu4 | {"shape": [-1, 27]}, "operation_count": 27}
    assert d["fc"]["accumulator"]["bits"] == 16 and d["fc"]["accumulator"]["int_bits"] == 8
    # the JSON of a generate_layer_data_type_map result is the same dictionary
    result = generate_layer_data_type_map.generate_layer_data_type_map(model, [SOURCE], False)
    assert json.loads(json.dumps(interface.map_to_json(result))) == d


def test_populate_quantizer():
    factory = QuantizerFactory()
    assert interface.populate_quantizer(None) == {}
    assert interface.populate_quantizer(factory.make_quantizer(quantized_po2(4, 2)), shape=(None, 8)) == \
        {"quantizer_type": "quantized_po2", "bits": 4, "is_signed": 1, "max_value": 2, "shape": [-1, 8]}
    assert interface.populate_quantizer(factory.make_quantizer(binary()), implemented_as="xor") == \
        {"quantizer_type": "binary", "bits": 1, "int_bits": 1, "is_signed": 1, "values": [-1, 1], "op_type": "xor"}


def test_print_qstats(model, capsys):
    interface.print_qstats(generate_layer_data_type_map.generate_layer_data_type_map(model, [SOURCE], False))
    assert capsys.readouterr().out.splitlines() == [
        "", "Number of operations in model:",
        "conv: 216 x signed_mul, total_bits:11, int_bits:3",
        "fc: 135 x signed_mul, total_bits:10, int_bits:1",
        "head: 10 x signed_mul, total_bits:8, int_bits:0",
        "", "Number of operation types in model:",
        "signed_mul, total_bits:11, int_bits:3, x 216",
        "signed_mul, total_bits:10, int_bits:1, x 135",
        "signed_mul, total_bits:8, int_bits:0, x 10"]


# -- energy ----------------------------------------------------------------------------------------------

def test_energy_estimate_is_what_pe_reports(model):
    q = qtools(model)
    result = generate_layer_data_type_map.generate_layer_data_type_map(model, [SOURCE], False)
    assert qenergy.energy_estimate(model, result, "sram", "sram", 0, False) == q.pe(**SRAM)


def test_cfg_polynomials_and_include_energy_change_the_energy(model):
    base = qtools(model).pe(**SRAM)
    config_public.config_settings["horowitz"]["fpm_mul"] = [0.0]  # multiplications for free
    q = qtools(model)
    free = q.pe(**SRAM)
    # fc: 135 sums into a 16-bit accumulator at 0.003125 pJ per bit each
    assert free["fc"]["energy"]["op_cost"] == 6.75 < base["fc"]["energy"]["op_cost"]
    assert free["fc"]["energy"]["inputs"] == base["fc"]["energy"]["inputs"]

    parts = free["fc"]["energy"]
    profile = q.extract_energy_profile(qtools_settings.cfg.include_energy, free)
    assert profile["fc"]["total"] == parts["inputs"] + parts["parameters"] + parts["op_cost"]
    assert profile["relu"]["total"] == free["relu"]["energy"]["outputs"]
    qtools_settings.cfg.include_energy["QDense"] = ["op_cost"]  # a script's own choice, read at the call
    profile = q.extract_energy_profile(qtools_settings.cfg.include_energy, free)
    assert profile["fc"]["total"] == 6.75
    assert q.extract_energy_sum(qtools_settings.cfg.include_energy, free) == \
        int(sum(layer["total"] for layer in profile.values()))

    config_public.config_settings["include_energy"]["QConv2D"] = ["outputs"]
    qtools(model)  # applies config_settings: QConv2D and its Keras twin Conv2D
    assert qtools_settings.cfg.include_energy["Conv2D"] == ["outputs"]


# -- quantized_operators ---------------------------------------------------------------------------------

def test_quantizer_factory():
    factory = QuantizerFactory()
    q = factory.make_quantizer(quantized_bits(4, 0, 1))
    assert isinstance(q, quantizer_impl.IQuantizer)
    assert (q.mode, q.bits, q.int_bits, q.is_signed, q.is_floating_point, q.is_po2) == (0, 4, 0, 1, False, 0)
    relu = factory.make_quantizer(quantized_relu(4, 2))
    assert (relu.bits, relu.int_bits, relu.is_signed) == (4, 2, 0)
    po2 = factory.make_quantizer(quantized_po2(4, 2))
    assert (po2.mode, po2.is_po2, po2.max_val_po2) == (1, 1, 2)
    assert factory.make_quantizer(None) == factory.make_default_quantizer("quantized_bits(8, 0, 1)")
    fp16 = factory.make_default_quantizer("fp16")
    assert fp16.is_floating_point and fp16.bits == 16 and fp16.mode == 5
    assert factory.clone_quantizer(q) == q
    assert factory.is_quantizer_supported(None) and not factory.is_quantizer_supported(np.tanh)
    with pytest.raises(ValueError, match="unaccepted quantizer"):
        factory.make_default_quantizer("nonsense(3)")


def test_multiplier_accumulator_and_adder_factories():
    qf = QuantizerFactory()
    w, x = qf.make_quantizer(quantized_bits(4, 0, 1)), qf.make_quantizer(quantized_bits(8, 3, 1))
    mult = MultiplierFactory().make_multiplier(w, x)
    assert (mult.implemented_as(), mult.output.bits, mult.output.int_bits) == ("mul", 11, 3)
    assert mult.gate_bits == np.sqrt(32)
    assert MultiplierFactory().make_multiplier(qf.make_quantizer(binary()), x).implemented_as() == "mux"
    assert MultiplierFactory().make_multiplier(qf.make_quantizer(quantized_po2(4, 2)), x).implemented_as() == "shifter"
    # QKeras counts the bias as one more addend: 8 products + 1 -> ceil(log2 9) = 4 more integer bits
    acc = AccumulatorFactory().make_accumulator((2, 2, 2, 3), mult, use_bias=True)
    assert isinstance(acc, accumulator_impl.IAccumulator)
    assert (acc.implemented_as(), acc.output.bits, acc.output.int_bits) == ("add", 15, 7)
    acc = AccumulatorFactory().make_accumulator((2, 2, 2, 3), mult, use_bias=False)
    assert (acc.output.bits, acc.output.int_bits) == (14, 6)
    # fixed + fixed: one integer bit more than the wider, the finer fraction, signed if either is
    total = IAdder().make_quantizer(w, qf.make_quantizer(quantized_relu(4, 0)))
    assert (total.implemented_as(), total.output.bits, total.output.int_bits, total.output.is_signed) == \
        ("add", 6, 1, 1)
    # a po2 operand spanning 2^-4 .. 2^1 first becomes sign + 1 int + 4 frac bits
    total = IAdder().make_quantizer(qf.make_quantizer(quantized_po2(4, 2)), w)
    assert (total.output.bits, total.output.int_bits) == (7, 2)
    assert IAdder().make_quantizer(qf.make_default_quantizer("fp32"), w).output.is_floating_point


# -- qtools_util -----------------------------------------------------------------------------------------

def test_qtools_util(model):
    assert qtools_util.get_val({"a": 1}, "a") == 1 and qtools_util.get_val({"a": 1}, "b", 7) == 7
    assert qtools_util.get_val(model.get_layer("fc"), "name") == "fc"
    assert qtools_util.is_shape_alternation_layers(model.get_layer("flat"))
    assert not qtools_util.is_shape_alternation_layers(model.get_layer("fc"))
    assert qtools_util.is_merge_layers(keras.layers.Add()) and not qtools_util.is_merge_layers(model.get_layer("fc"))
    assert qtools_util.is_upsampled(keras.layers.UpSampling2D())
    assert qtools_util.find_divisors(12) == [1, 2, 3, 4, 6, 12]
    assert qtools_util.get_operation_count(model.get_layer("conv"), (None, 4, 4, 2)) == 216
    assert qtools_util.get_operation_count(model.get_layer("fc"), [(None, 27)]) == 135
    assert qtools_util.get_operation_count(model.get_layer("flat"), (None, 3, 3, 3)) == 27
    assert qtools_util.get_operation_count(keras.layers.AveragePooling2D(2), (None, 4, 4, 3)) == 4 * 3
    assert qtools_util.get_operation_count(keras.layers.Dropout(0.5), (None, 4)) == 0
    conv = model.get_layer("conv")
    raw = qtools_util.get_weights(conv)
    assert all(np.array_equal(a, b) for a, b in zip(raw, conv.get_weights(), strict=True))
    kernel = qtools_util.get_weights(conv, model_weights_already_quantized=False)[0]
    expected = np.asarray(conv.get_quantizers()[0](conv.get_weights()[0]))
    assert np.array_equal(kernel, expected) and not np.array_equal(kernel, raw[0])
