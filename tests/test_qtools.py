"""QTools: QKeras' own energy test, the data type map of the jet tagger, JSON output, errors."""

import json

import keras
import pytest

from hwq.layers import QActivation, QAdaptiveActivation, QConv2D, QDense, QDepthwiseConv2D
from hwq.qtools import DEFAULT_INCLUDE_ENERGY, QTools, WrongInputQuantizerError, graph_energy
from hwq.qtools import energy_model as em
from hwq.quantizers import binary, quantized_bits, quantized_po2, quantized_relu

SRAM = dict(weights_on_memory="sram", activations_on_memory="sram", min_sram_size=8 * 16 * 1024 * 1024,
            rd_wr_on_io=False)


def qkeras_energy_test_model() -> keras.Model:
    """The 784-300-100-10 MLP of QKeras' qtools test (binary, then 4-bit weights)."""
    x = xi = keras.Input((784,), name="input")
    x = QDense(300, kernel_quantizer=binary(), bias_quantizer=binary(), name="d0")(x)
    x = QActivation("quantized_relu(4,0)", name="d0_qr4")(x)
    x = QDense(100, kernel_quantizer=quantized_bits(4, 0, 1), bias_quantizer=quantized_bits(4, 0, 1), name="d1")(x)
    x = QAdaptiveActivation("quantized_relu", 4, name="d1_qr4")(x)
    x = QDense(10, kernel_quantizer=quantized_bits(4, 0, 1), bias_quantizer=quantized_bits(4, 0, 1), name="d2")(x)
    x = keras.layers.Activation("softmax", name="softmax")(x)
    return keras.Model(xi, x)


def qtools(model, for_reference: bool, **kw) -> QTools:
    return QTools(model, process="horowitz", source_quantizers="int8", is_inference=False, weights_path=None,
                  keras_quantizer="int8", keras_accumulator="int32", for_reference=for_reference, **kw)


@pytest.fixture(scope="module")
def energy_model():
    return qkeras_energy_test_model()


# per-layer figures QKeras' test asserts (pJ)
REFERENCE = {"d0": (372.77, 570.57, 111975.96, 70560.0), "d1": (570.57, 190.19, 14313.66, 26500.0),
             "d2": (190.19, 19.02, 483.08, 883.33)}
TRIAL = {"d0": (372.77, 342.34, 13997.95, 15729.0), "d1": (72.27, 110.31, 7158.73, 3250.0),
         "d2": (26.63, 11.41, 243.44, 102.08)}


@pytest.mark.parametrize("for_reference,figures,total", [(True, REFERENCE, 226629), (False, TRIAL, 41070)])
def test_qkeras_energy_test_figures(energy_model, for_reference, figures, total):
    q = qtools(energy_model, for_reference)
    energy = q.pe(**SRAM)
    for name, parts in figures.items():
        got = energy[name]["energy"]
        # both sides are rounded to 0.01 pJ: equal up to the float representation of that rounding
        assert (got["inputs"], got["outputs"], got["parameters"], got["op_cost"]) == pytest.approx(parts, abs=0.005)
    assert q.extract_energy_sum(DEFAULT_INCLUDE_ENERGY, energy) == total
    profile = q.extract_energy_profile(DEFAULT_INCLUDE_ENERGY, energy)
    assert profile["d0_qr4"]["total"] == energy["d0_qr4"]["energy"]["outputs"]
    assert "total_cost" in energy and "total_cost" not in profile


def test_trial_data_type_map(energy_model):
    d = qtools(energy_model, False)._output_dict
    assert d["d0"]["multiplier"] == {"quantizer_type": "quantized_bits", "bits": 8, "int_bits": 8, "is_signed": 1,
                                     "op_type": "mux"}
    # 784 products: 10 more integer bits; + a binary bias: one more
    assert d["d0"]["accumulator"]["bits"] == 19 and d["d0"]["accumulator"]["op_type"] == "add"
    assert d["d1"]["multiplier"]["bits"] == 8 and d["d1"]["multiplier"]["op_type"] == "mul"
    assert d["d1"]["accumulator"]["bits"] == 18
    assert d["d1"]["operation_count"] == 30000
    assert d["d0_qr4"]["output_quantizer"]["bits"] == 4 and d["d0_qr4"]["output_quantizer"]["is_signed"] == 0
    assert d["source_quantizers"][0]["bits"] == 8


def jet_tagger() -> keras.Model:
    w = dict(kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1))
    return keras.Sequential([
        keras.Input((16,), name="features"), QActivation(quantized_bits(8, 3, alpha=1), name="input_q"),
        QDense(64, activation=quantized_relu(6, 0), name="fc1", **w),
        QDense(32, activation=quantized_relu(6, 0), name="fc2", **w),
        QDense(32, activation=quantized_relu(6, 0), name="fc3", **w),
        QDense(5, activation=quantized_bits(8, 3, alpha=1), name="logits", **w)], name="jet")


def test_jet_tagger_data_type_map():
    q = QTools(jet_tagger(), source_quantizers=quantized_bits(8, 3, alpha=1))
    m = q._output_dict
    assert list(m) == ["source_quantizers", "input_q", "fc1", "fc2", "fc3", "logits"]
    # fc1: ap_fixed<8,4> (3 integer bits + sign) x ap_fixed<6,1>: 3 + 0 integer bits, 4 + 5 fraction bits
    assert m["fc1"]["multiplier"] == {"quantizer_type": "quantized_bits", "bits": 13, "int_bits": 4, "is_signed": 1,
                                      "op_type": "mul"}
    # 16 products: 4 more integer bits; a 6-bit bias: one more -> 3 + 4 + 1 = 8 integer bits, 9 fraction
    assert m["fc1"]["accumulator"]["bits"] == 18 and m["fc1"]["accumulator"]["int_bits"] == 9
    assert m["fc1"]["output_quantizer"]["quantizer_type"] == "quantized_relu"
    assert m["fc1"]["output_quantizer"]["shape"] == [-1, 64]
    # fc2: ap_ufixed<6,0> x ap_fixed<6,1>: 11 fraction bits + sign; 64 products (6 bits) + bias (1)
    assert m["fc2"]["multiplier"]["bits"] == 12 and m["fc2"]["accumulator"]["bits"] == 19
    assert [m[n]["operation_count"] for n in ("fc1", "fc2", "fc3", "logits")] == [1024, 2048, 1024, 160]
    assert m["logits"]["weight_quantizer"] == {"quantizer_type": "quantized_bits", "bits": 6, "int_bits": 1,
                                               "is_signed": 1, "shape": [32, 5]}
    assert m["logits"]["bias_quantizer"]["shape"] == [5]


def test_json_output(tmp_path, capsys):
    q = QTools(jet_tagger(), source_quantizers=quantized_bits(8, 3, alpha=1))
    path = tmp_path / "stats.json"
    q.qtools_stats_to_json(path)
    assert json.loads(path.read_text()) == json.loads(json.dumps(q._output_dict))
    q.qtools_stats_print()
    assert json.loads(capsys.readouterr().out)["fc3"]["layer_type"] == "QDense"


def test_conv_layers_po2_and_depthwise():
    x = xi = keras.Input((8, 8, 1))
    x = QActivation(quantized_bits(6, 0, 1), name="qa")(x)
    x = QConv2D(4, 2, strides=2, kernel_quantizer=quantized_po2(4), bias_quantizer=quantized_po2(4), name="c")(x)
    x = QDepthwiseConv2D(3, depthwise_quantizer=quantized_bits(4, 0, alpha=1),
                         bias_quantizer=quantized_bits(4, 0, alpha=1), name="dw")(x)
    m = QTools(keras.Model(xi, x))._output_dict
    assert m["c"]["multiplier"]["op_type"] == "shifter"
    assert m["c"]["operation_count"] == 4 * 4 * 4 * 4
    assert m["dw"]["operation_count"] == 2 * 2 * 4 * 9
    # a depthwise output sums 3x3 products (not 3x3x4 as QKeras counts)
    mult_int = m["dw"]["multiplier"]["int_bits"] - 1
    assert m["dw"]["accumulator"]["int_bits"] - 1 == max(mult_int + 4, 0) + 1


def test_energy_options_and_errors(energy_model):
    q = qtools(energy_model, False)
    dram = q.pe()  # QKeras' defaults: DRAM, reads and writes at the ports
    # in DRAM with rd_wr_on_io: each tensor is read from DRAM and written to SRAM
    expected = sum(20.3125 * b + em.sram_energy(b) for b in (30000 * 4, 100 * 4))
    assert dram["d1"]["energy"]["parameters"] == pytest.approx(expected, abs=0.01)
    fixed = q.pe(weights_on_memory="fixed", activations_on_memory="sram", rd_wr_on_io=False)
    assert fixed["d1"]["energy"]["parameters"] == 0.0
    with pytest.raises(ValueError, match="weights_on_memory"):
        q.pe(weights_on_memory="tape")
    with pytest.raises(WrongInputQuantizerError):
        QTools(energy_model, source_quantizers=["int8", "int8"])
    with pytest.raises(ValueError, match="unknown process"):
        QTools(energy_model, process="finfet")


def test_graph_energy_matches_qtools_where_types_agree():
    import hwq

    model = jet_tagger()
    graph = hwq.lower(model)
    e = graph_energy(graph, **SRAM)
    assert set(e) == {n.name for n in graph.nodes}
    fc2 = graph.node("fc2")
    q = QTools(model, source_quantizers=quantized_bits(8, 3, alpha=1)).pe(**SRAM)
    # same input and weight types: identical input and parameter energies
    assert e["fc2"]["inputs"] == q["fc2"]["energy"]["inputs"]
    assert e["fc2"]["parameters"] == q["fc2"]["energy"]["parameters"]
    # the IR's accumulator is exact, never wider than QKeras' formula
    assert fc2.attrs["accumulator"].width <= 19
    assert e["fc2"]["op_cost"] <= q["fc2"]["energy"]["op_cost"]
    assert e["fc2"]["total"] == pytest.approx(e["fc2"]["inputs"] + e["fc2"]["parameters"] + e["fc2"]["op_cost"],
                                              abs=0.02)
    last = graph.nodes[-1]
    assert e[last.name]["total"] == e[last.name]["outputs"]
