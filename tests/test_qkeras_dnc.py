"""QKeras' divide-and-conquer area search on hwq (qtools.divide_and_conquer, qtools.DnC.divide_and_conquer,
qtools.dnc_layer_cost_ace), imported as a QKeras script imports it. Costs are worked out by hand from QKeras'
formulas, and the search is checked against an exhaustive walk over every chain of choices."""

from __future__ import annotations

import copy
import itertools

import keras
import numpy as np
import pytest

from hwq.qkeras import QActivation, QConv2D, QDense, QDepthwiseConv2D, quantizers
from hwq.qkeras.qtools import config_public
from hwq.qkeras.qtools import divide_and_conquer as naive
from hwq.qkeras.qtools import dnc_layer_cost_ace as ace_cost
from hwq.qkeras.qtools import settings as qtools_settings
from hwq.qkeras.qtools.DnC import divide_and_conquer as dnc
from hwq.qkeras.qtools.DnC import dnc_layer_cost_ace

Q4 = dict(kernel_quantizer=quantizers.quantized_bits(4, 0, 1), bias_quantizer=quantizers.quantized_bits(4, 0, 1))


@pytest.fixture(autouse=True)
def restore_settings():
    saved_settings = copy.deepcopy(config_public.config_settings)
    saved_cfg = copy.deepcopy(vars(qtools_settings.cfg))
    yield
    config_public.config_settings.clear()
    config_public.config_settings.update(saved_settings)
    vars(qtools_settings.cfg).clear()
    vars(qtools_settings.cfg).update(saved_cfg)


def one_conv() -> keras.Model:
    """4x4x2 -> 1x1 QConv2D(2): 8-bit inputs (the default source), 4-bit weights."""
    x = xi = keras.Input((4, 4, 2), name="x")
    return keras.Model(xi, QConv2D(2, 1, name="c1", **Q4)(x))


def conv_chain() -> keras.Model:
    """8x8x4 -> 3x3 QConv2D(4) stride 2 -> relu -> 3x3 depthwise -> 1x1 QConv2D(2)."""
    x = xi = keras.Input((8, 8, 4), name="x")
    x = QConv2D(4, 3, strides=2, padding="same", name="c1", **Q4)(x)
    x = QActivation("quantized_relu(4, 0)", name="act")(x)
    x = QDepthwiseConv2D(3, padding="same", depthwise_quantizer=quantizers.quantized_bits(4, 0, 1),
                         bias_quantizer=quantizers.quantized_bits(4, 0, 1), name="dw")(x)
    return keras.Model(xi, QConv2D(2, 1, name="c2", **Q4)(x))


# -- the ACE MAC area fit ---------------------------------------------------------------------------------------

def test_the_ace_fit_is_refitted_from_the_measured_areas():
    assert dnc_layer_cost_ace.get_ace_mac_gates is ace_cost.get_ace_mac_gates
    assert ace_cost.MemoryGatesPerBit == {"Register": 10.0, "SRAM": 1.0, "ROM": 0.1}
    params, mae, std = ace_cost.gen_mac_gate_model()
    np.testing.assert_allclose(params, ace_cost.MAC_POLY3D_PARAMS, rtol=1e-8)
    assert mae < 0.05  # QKeras: "relative MAE < 5%"
    assert np.all(std > 0) and std[0] < 0.1
    # 190 measured MACs: 6 weight widths x 9 input widths x 4 accumulator widths, 26 not synthesized
    assert len(ace_cost.measured_macs()[3]) == 190
    assert ace_cost.MAC24.shape == (6, 9) and np.isnan(ace_cost.MAC24[0, 7]) and ace_cost.MAC48[5, 8] == 4415


def test_the_fit_can_be_drawn(monkeypatch):
    plt = pytest.importorskip("matplotlib.pyplot")
    plt.switch_backend("Agg")
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(len(plt.gcf().axes)))
    params, _, _ = ace_cost.gen_mac_gate_model(do_plot=True)
    assert shown == [4]  # one surface per accumulator width
    plt.close("all")
    np.testing.assert_allclose(params, ace_cost.MAC_POLY3D_PARAMS, rtol=1e-8)


def test_ace_mac_gates():
    # 7.70469119 * 8 * 4 + 13.76199652 * 13 - 92.15756665
    assert ace_cost.get_ace_mac_gates(8, 4, 13) == pytest.approx(333.29850619, abs=1e-8)
    assert ace_cost.get_ace_mac_gates(8, 4, 13, regen_params=True) == pytest.approx(333.29850619, abs=1e-6)
    xyz = (np.array([1, 2]), np.array([3, 4]), np.array([24, 48]))
    np.testing.assert_allclose(ace_cost.mac_gates_polynomial_3d(xyz, 1.0, 2.0, 3.0), [1 * 3 + 48 + 3, 2 * 4 + 96 + 3])


# -- the graph and the layer facts -------------------------------------------------------------------------------

def test_divide_conquer_graph():
    model = one_conv()
    g = naive.DivideConquerGraph(model)
    conv = model.get_layer("c1")
    assert g.get_first_node() == -1 and g.get_last_node() == -2
    assert g.layer_to_idx(conv) == 1 and g.idx_to_layer(1) is conv
    assert g.get_prev_nodes(conv) == [-1] and g.get_next_nodes(1) == [-2]
    assert g.is_first_node(-1) and g.is_last_node(-2) and not g.is_first_node(conv)
    # 8-bit input (0 int) x 4-bit weight (0 int): 11 bits; 2 products: 12; + the 4-bit bias: 13
    assert g.get_layer_quantizer_bitwidth(conv) == {"input_bits": 8, "weight_bits": 4, "mac_bits": 11,
                                                    "acc_bits": 13, "output_bits": 13}
    assert g.get_layer_quantizer_bitwidth(-1) == dict.fromkeys(("input_bits", "weight_bits", "mac_bits",
                                                                "acc_bits", "output_bits"), 0)
    assert g.get_layer_mac_count(conv) == 4 * 4 * 2 * 2 and g.get_layer_mac_count(-1) == 0
    assert g.get_layer_shapes(conv) == {"weight_shape": (1, 1, 2, 2), "output_shape": (None, 4, 4, 2),
                                        "input_shape_list": [(None, 4, 4, 2)]}
    # inputs without a source quantizer are quantized_bits(8, 0, 1), whatever settings.cfg says
    qtools_settings.cfg.default_source_quantizer = "quantized_bits(4, 0, 1)"
    assert naive.DivideConquerGraph(model).get_layer_quantizer_bitwidth(conv)["input_bits"] == 8


def test_layer_info():
    model = conv_chain()
    info = {name: {k: naive.get_layer_info(model.get_layer(name), k) for k in
                   ("layer_type", "input_channel", "output_channel", "kernel_height", "kernel_width",
                    "quantizer_bits")} for name in ("c1", "act", "dw")}
    assert info["c1"] == {"layer_type": "QConv2D", "input_channel": 4, "output_channel": 4, "kernel_height": 3,
                          "kernel_width": 3, "quantizer_bits": 4}
    assert info["act"]["kernel_height"] == 1 and info["act"]["quantizer_bits"] is None
    assert info["dw"]["layer_type"] == "QDepthwiseConv2D" and info["dw"]["output_channel"] == 4
    assert naive.get_layer_info(model.get_layer("c1"), "nothing") is None
    pool = keras.layers.MaxPooling2D((2, 3))
    pool(keras.Input((6, 6, 3)))
    assert (naive.get_layer_info(pool, "kernel_height"), naive.get_layer_info(pool, "kernel_width")) == (2, 3)


def test_candidates_and_throughputs():
    assert naive.get_valid_candidates(10, 4) == [1, 2, 5, 10, 20, 30, 40]
    assert naive.get_valid_candidates(6, 1) == [1, 2, 3, 6]
    assert naive.get_pe_throughput("QConv2D", 2, 2, 1, 3, 4, 4, 3, 3) == 12 / 144
    assert naive.get_pe_throughput("QDepthwiseConv2D", 9, 2, 3, 1, 4, 4, 3, 3) == 6 / 36
    assert naive.get_pe_throughput("GlobalMaxPooling2D", 1, 2, 1, 1, 4, 8, 1, 1) == 0.25
    with pytest.raises(ValueError, match="Flatten"):
        naive.get_pe_throughput("Flatten", 1, 1, 1, 1, 1, 1, 1, 1)
    assert naive.get_ComputeInElementPerClk("QConv2D", 2, 5, 3, 1) == 6
    assert naive.get_ComputeInElementPerClk("MaxPooling2D", 2, 5, 3, 1) == 15
    assert naive.get_InElementPerClk_base(6, 3, 1) == 2
    assert naive.get_OutBufferThru(8, 2, 2, 2, "UpSampling2D") == 1.0 and naive.get_InBufferThru(8, 2) == 4.0
    # a 1x1 conv on 2 channels at one pixel a clock: cin * cout >= 4
    conv = one_conv().get_layer("c1")
    assert naive.get_valid_unrolls(conv, 2, 1.0) == [(2, 1, 1)]
    assert naive.get_valid_unrolls(conv, 1, 1.0) == []
    # a depthwise layer unrolls its input channels with its output channels
    dw = conv_chain().get_layer("dw")
    assert naive.get_valid_unrolls(dw, 4, 1.0) == [(4, 3, 3)]
    # the stride-2 conv reads 4 input pixels per output pixel; other layers keep the pixel rate
    chain = conv_chain()
    assert dnc.get_target_throughputs(chain.get_layer("c1"), 1.0) == (4.0, 1.0)
    assert dnc.get_target_throughputs(chain.get_layer("dw"), 0.5) == (0.5, 0.5)
    assert dnc.get_target_throughputs(None, 0.5) == (0.5, 0.5)
    # each buffer against its own target: 8 of 4 channels is 2 input pixels a clock, 2 of 2 one output pixel
    assert dnc.is_bufferThru_greater_than_targetThru("QConv2D", 8, 2, 4, 2, 3, 3, target_out_throughput=1.0,
                                                     target_in_throughput=2.0)
    assert not dnc.is_bufferThru_greater_than_targetThru("QConv2D", 4, 2, 4, 2, 3, 3, target_out_throughput=1.0,
                                                         target_in_throughput=2.0)


def test_update_cur_best_choices_keeps_the_first_of_equal_costs():
    best: dict = {}
    naive.update_cur_best_choices(best, 4, 2, 10.0, 30.0, naive.Choice(1, 1, 2, 2, 1, 1))
    naive.update_cur_best_choices(best, 8, 2, 5.0, 30.0, naive.Choice(2, 1, 2, 4, 1, 1))
    assert best == {2: {"choice": "Choice(k=1, l=1, cin_unroll=2, cout_unroll=2, kh_unroll=1, kw_unroll=1)",
                        "cur_cost": 10.0, "acc_cost": 30.0, "OutElementPerClk": 4}}
    naive.update_cur_best_choices(best, 8, 2, 5.0, 29.0, naive.Choice())
    assert best[2]["OutElementPerClk"] == 8


# -- costs worked out by hand ------------------------------------------------------------------------------------

def test_naive_cost_of_one_conv():
    g = naive.DivideConquerGraph(one_conv())
    # one output a clock means 2 outputs a clock (OutElementPerClk 2, no larger multiples: ratios 1); only
    # cout = 2 with cin = 2 reaches a pixel a clock, reading InElementPerClk = 2 (1 is half a pixel):
    # 8 * 4 bits * 64 MACs * 2 * 2 + 2 * 8 + 2 * 13 + 4 weights * 4 bits = 8192 + 58
    path, cost = naive.calc_hw_params(g, 2, 1.0, 8, compute_to_memory_max_ratio=1, memory_to_unroll_max_ratio=1)
    assert cost == 8250
    assert path == {
        -1: {"choice": str(naive.Choice()), "cur_cost": 0, "acc_cost": 8250, "OutElementPerClk": 2},
        1: {"choice": "Choice(k=1.0, l=1.0, cin_unroll=2, cout_unroll=2, kh_unroll=1, kw_unroll=1)",
            "cur_cost": 8250, "acc_cost": 8250, "OutElementPerClk": 2}}
    # QKeras' defaults: 10 outputs a clock, computed 2 at a time (l = 5): 8192 + 2 * 8 + 10 * 13 + 16
    path, cost = naive.estimate_model_cost(one_conv())
    assert cost == 8354 and path[1]["choice"].startswith("Choice(k=1.0, l=5.0, cin_unroll=2, cout_unroll=2")


def test_ace_cost_of_one_conv():
    g = dnc.DivideConquerGraph(one_conv())
    mac = 7.70469119 * 8 * 4 + 13.76199652 * 13 - 92.15756665
    path, cost = dnc.calc_hw_params(g, 2, 1.0, 8, compute_to_memory_max_ratio=1, memory_to_unroll_max_ratio=1)
    # 4 MACs, 2 input and 2 output words in registers (10 gates a bit), 4 weights in ROM (0.1 a bit)
    assert cost == pytest.approx(mac * 4 + (2 * 8 + 2 * 13) * 10 + 4 * 4 * 0.1, abs=1e-9)
    assert path[1]["layer_name"] == "c1" and path[-1]["layer_name"] == "None"
    path, cost = dnc.estimate_model_cost(one_conv())
    assert cost == pytest.approx(mac * 4 + (2 * 8 + 10 * 13) * 10 + 1.6, abs=1e-9)
    assert dnc.get_per_layer_cost({"input_bits": 8, "weight_bits": 4, "acc_bits": 13, "output_bits": 13}, 64,
                                  {"weight_shape": (1, 1, 2, 2)}, 2, 2, 1, 1, 2, 10, dnc.CostMode.ACE) \
        == pytest.approx(cost)


# -- the search against every chain of choices ---------------------------------------------------------------------

def layer_options(kind: str, in_ch: int, out_ch: int, kernel: int, out: int, targets: tuple, ratios: tuple,
                  cout_divides: bool):
    """Every (cin, cout, kh, kw, InElementPerClk) QKeras' formulas allow a layer writing `out` a clock."""
    t_in, t_pe, t_out = targets
    compute_ratio, memory_ratio = ratios

    def candidates(n: int, ratio: int) -> list[int]:
        return [d for d in range(1, n + 1) if n % d == 0] + [n * r for r in range(2, ratio + 1)]

    for cout in candidates(out, compute_ratio):
        if cout_divides and out_ch % cout:
            continue
        cins = [cout] if kind == "QDepthwiseConv2D" else candidates(in_ch, 1)
        for cin, kh, kw in itertools.product(cins, candidates(kernel, 1), candidates(kernel, 1)):
            per_pixel = (in_ch if kind == "QConv2D" else 1) * out_ch * kernel * kernel
            if (cin if kind == "QConv2D" else 1) * cout * kh * kw / per_pixel < t_pe:
                continue
            base = (cin if kind == "QConv2D" else cout) * kh * kw // (kh * kw)
            for inputs in candidates(base, memory_ratio):
                if inputs / in_ch >= t_in and out / out_ch >= t_out:
                    yield cin, cout, kh, kw, inputs


def exhaustive_best(g, layers, target_out_epc: int, target: float, ratios: tuple, cost, staged: bool) -> float:
    """The least total cost over every consistent chain of choices, from the last layer back."""
    def best(i: int, out: int, t_out: float) -> float:
        if i < 0:  # SOURCE writes what the first layer reads and costs nothing here
            return 0.0
        layer = layers[i]
        kind = type(layer).__name__
        if kind == "QActivation":
            return best(i - 1, out, t_out)
        pixels = [np.prod(t.shape[1:-1]) for t in (layer.input, layer.output)]
        t_in = t_out * pixels[0] / pixels[1] if staged else t_out
        kernel = layer.kernel_size[0]
        options = layer_options(kind, layer.input.shape[-1], layer.output.shape[-1], kernel, out,
                                (t_in, t_out, t_out), ratios, staged)
        costs = [cost(g, layer, cin, cout, kh, kw, inputs, out) + best(i - 1, inputs, t_in)
                 for cin, cout, kh, kw, inputs in options]
        return min(costs, default=np.inf)

    return best(len(layers) - 1, target_out_epc, target)


def naive_cost(g, layer, cin, cout, kh, kw, inputs, out) -> float:
    bits = g.get_layer_quantizer_bitwidth(layer)
    return (bits["input_bits"] * bits["weight_bits"] * g.get_layer_mac_count(layer) * cin * cout * kh * kw
            + inputs * bits["input_bits"] + out * bits["output_bits"]
            + np.prod(g.get_layer_shapes(layer)["weight_shape"]) * bits["weight_bits"])


def ace_gate_cost(g, layer, cin, cout, kh, kw, inputs, out) -> float:
    bits = g.get_layer_quantizer_bitwidth(layer)
    mac = 7.70469119 * bits["input_bits"] * bits["weight_bits"] + 13.76199652 * bits["acc_bits"] - 92.15756665
    return (mac * cin * cout * kh * kw + (inputs * bits["input_bits"] + out * bits["output_bits"]) * 10
            + np.prod(g.get_layer_shapes(layer)["weight_shape"]) * bits["weight_bits"] * 0.1)


@pytest.mark.parametrize("ratios", [(1, 1), (1, 4), (2, 4), (4, 2), (4, 4)])
@pytest.mark.parametrize("version", ["naive", "ace"])
def test_the_search_finds_the_cheapest_chain(version, ratios):
    model = conv_chain()
    module, cost, staged = (naive, naive_cost, False) if version == "naive" else (dnc, ace_gate_cost, True)
    g = module.DivideConquerGraph(model)
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    path, total = module.calc_hw_params(g, 4, 1.0, 8, *ratios)
    expected = exhaustive_best(g, layers, 4, 1.0, ratios, cost, staged)
    if expected == np.inf:  # the stride-2 conv reads 4 pixels of 4 channels a clock: InElementPerClk 16 needs
        assert version == "ace" and ratios[1] < 4 and (path, total) == ({}, None)  # a memory ratio of 4
        return
    assert total == pytest.approx(expected, rel=1e-12)
    # the path is a chain: each layer reads what the layer before writes, and the costs add up
    assert list(path) == [-1, 1, 2, 3, 4]  # node numbers are indices in model.layers (0: the input layer)
    assert path[1]["OutElementPerClk"] == path[2]["OutElementPerClk"] and path[2]["cur_cost"] == 0  # relu
    assert path[4]["OutElementPerClk"] == 4
    assert sum(entry["cur_cost"] for entry in path.values()) == pytest.approx(total)
    if staged:
        # the stride-2 conv reads 4 pixels a clock: 4 channels each, from 16 elements a clock at least
        assert path[-1]["OutElementPerClk"] >= 16 and path[1]["layer_name"] == "c1"


def test_no_valid_choice_and_unsupported_uses():
    g = naive.DivideConquerGraph(one_conv())
    assert naive.calc_hw_params(g, 2, 100.0, 8) == ({}, None)  # no unroll reaches 100 pixels a clock
    with pytest.raises(NotImplementedError, match="NAIVE"):
        naive.calc_hw_params(g, 2, 1.0, 8, mode=naive.CostMode.PE_AREA)
    with pytest.raises(NotImplementedError, match="ACE"):
        dnc.estimate_model_cost(one_conv(), mode=dnc.CostMode.PE_BW_AREA)
    # the search follows a chain: a branch is refused rather than left out
    a = keras.Input((4,), name="a")
    d1, d2 = QDense(4, name="d1", **Q4)(a), QDense(4, name="d2", **Q4)(a)
    with pytest.raises(NotImplementedError, match="chain"):
        dnc.estimate_model_cost(keras.Model(a, keras.layers.Add(name="add")([d1, d2])))
    # a layer without a throughput rule, as in QKeras
    x = xi = keras.Input((4,), name="x")
    with pytest.raises(ValueError, match="Dense"):
        naive.estimate_model_cost(keras.Model(xi, keras.layers.Dense(2, name="plain")(x)))


def test_a_dense_chain():
    """QDense is a 1 x 1 kernel: 16 inputs, 4 outputs; NAIVE with one output element a clock."""
    x = xi = keras.Input((16,), name="x")
    model = keras.Model(xi, QDense(4, name="fc", **Q4)(x))
    path, cost = naive.calc_hw_params(naive.DivideConquerGraph(model), 4, 1.0, 8, 1, 1)
    # a vector a clock: cin * cout = 64 products of 8 x 4 bits, times the 64 MACs the map counts; 16 inputs
    # of 8 bits, 4 outputs of 11 + log2(16) + 1 (the bias) = 16 bits, 64 weights of 4 bits
    assert cost == 8 * 4 * 64 * 16 * 4 + 16 * 8 + 4 * 16 + 64 * 4
    assert path[1]["choice"] == "Choice(k=1.0, l=1.0, cin_unroll=16, cout_unroll=4, kh_unroll=1, kw_unroll=1)"
