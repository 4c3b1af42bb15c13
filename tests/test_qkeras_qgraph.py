"""QKeras' qtools.qgraph on hwq, used as QKeras' run_qtools and scripts use it: the graph of a model, the data
type map of that graph (which must equal the map of the model), and QKeras' two qtools example scripts with
`qkeras` replaced by `hwq.qkeras`. Figures are worked out from QKeras' rules or are QKeras' published ones."""

from __future__ import annotations

import copy
import json

import keras
import networkx as nx
import pytest

from hwq.qkeras import QActivation, QAdaptiveActivation, QConv2D, QDense, quantizers
from hwq.qkeras.qtools import config_public, interface, qgraph, run_qtools
from hwq.qkeras.qtools import generate_layer_data_type_map as gldtm
from hwq.qkeras.qtools import settings as qtools_settings
from hwq.qkeras.qtools.qenergy import qenergy
from hwq.qkeras.qtools.quantized_operators import quantizer_impl
from hwq.qtools import WrongInputQuantizerError

SOURCE = quantizers.quantized_bits(8, 3, 1)
Q4 = dict(kernel_quantizer=quantizers.quantized_bits(4, 0, 1), bias_quantizer=quantizers.quantized_bits(4, 0, 1))
SRAM = ("sram", "sram", 8 * 16 * 1024 * 1024, False)


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


def mlp() -> keras.Model:
    """x(16) -> QDense(8) with a quantized relu -> Dropout -> Dense(4) -> relu -> QDense(3, po2) -> softmax."""
    x = xi = keras.Input((16,), name="x")
    x = QDense(8, activation=quantizers.quantized_relu(4, 0), name="d0", **Q4)(x)
    x = keras.layers.Dropout(0.2, name="drop")(x)
    x = keras.layers.Dense(4, name="d1")(x)
    x = keras.layers.Activation("relu", name="relu")(x)
    po2 = quantizers.quantized_po2(4)
    x = QDense(3, kernel_quantizer=po2, bias_quantizer=po2, name="d2")(x)
    x = keras.layers.Activation("softmax", name="softmax")(x)
    return keras.Model(xi, x)


def sequential_cnn() -> keras.Sequential:
    return keras.Sequential([
        keras.Input((6, 6, 2)),
        QConv2D(3, 3, name="conv", **Q4),
        QActivation("quantized_relu(4, 0)", name="act"),
        keras.layers.Dropout(0.1, name="drop"),
        keras.layers.Flatten(name="flat"),
        QDense(2, kernel_quantizer=quantizers.quantized_bits(6, 1, 1),
               bias_quantizer=quantizers.quantized_bits(6, 1, 1), name="fc"),
    ])


def two_inputs() -> keras.Model:
    """a, b -> a QDense each -> Add -> Concatenate with the first again -> QDense(2)."""
    a, b = keras.Input((8,), name="a"), keras.Input((8,), name="b")
    da, db = QDense(4, name="da", **Q4)(a), QDense(4, name="db", **Q4)(b)
    s = keras.layers.Add(name="add")([da, db])
    c = keras.layers.Concatenate(name="cat")([s, da])
    return keras.Model([a, b], QDense(2, name="out", **Q4)(c))


def nodes_by_name(graph: nx.DiGraph) -> dict[str, int]:
    return {graph.nodes[n]["layer"][0].name: n for n in graph.nodes if n not in (qgraph.SOURCE, qgraph.SINK)}


# -- the graph --------------------------------------------------------------------------------------------------

def test_create_graph_numbers_layers_and_bridges_dropout_and_inputs():
    model = mlp()
    graph, sources = qgraph.CreateGraph(model, [SOURCE])
    assert isinstance(graph, nx.DiGraph)
    # nodes keep their index in model.layers (0 is the input layer, 2 the Dropout: both gone)
    ids = nodes_by_name(graph)
    assert ids == {"d0": 1, "d1": 3, "relu": 4, "d2": 5, "softmax": 6}
    assert graph.nodes[3] == {"layer": [model.get_layer("d1")], "type": ["Dense"], "out_quantizer": None}
    assert graph.nodes[qgraph.SOURCE] == graph.nodes[qgraph.SINK] == {"layer": [None], "type": [None],
                                                                        "out_quantizer": None}
    assert list(graph.edges) == [(-1, 1), (1, 3), (3, 4), (4, 5), (5, 6), (6, -2)]
    # the source quantizer: a QKeras qtools object on the input edge, its shape the input layer's (a list)
    (source,) = sources
    assert isinstance(source, quantizer_impl.QuantizedBits) and (source.bits, source.int_bits) == (8, 3)
    (inputs,) = qgraph.GraphGetInputs(graph)
    assert inputs["quantizer"] is source and inputs["shape"] == [(None, 16)]
    assert inputs["tensor"] is model.inputs[0]
    # d0 -> d1 now carries the tensor d1 reads, the Dropout's output
    bridged = graph[1][3]
    assert bridged["tensor"] is model.get_layer("drop").output and bridged["shape"] == (None, 8)
    assert bridged["quantizer"] is None
    (outputs,) = qgraph.GraphGetOutputs(graph)
    assert outputs["shape"] == (None, 3) and outputs["tensor"] is model.outputs[0]


def test_generate_graph_keeps_input_layers_until_create_graph_removes_them():
    model = mlp()
    graph, _ = qgraph.GenerateGraphFromModel(model, None, "quantized_bits(6, 2, 1)")
    assert graph.nodes[0]["type"] == ["InputLayer"] and graph.nodes[2]["type"] == ["Dropout"]
    assert graph[0][1]["shape"] == [(None, 16)]  # Keras 2's output_shape of an input layer
    assert (graph[0][1]["quantizer"].bits, graph[0][1]["quantizer"].int_bits) == (6, 2)
    assert qgraph.SOURCE not in set(graph.predecessors(0))  # SOURCE and SINK are not connected yet
    qgraph.GraphAddSingleSourceSingleSink(graph)
    assert (qgraph.SOURCE, 0) in graph.edges and (6, qgraph.SINK) in graph.edges
    assert graph[qgraph.SOURCE][0]["quantizer"] is None
    qgraph.GraphRemoveNodeWithNodeType(graph, "Dropout")
    assert 2 not in graph and (1, 3) in graph.edges


def test_a_sequential_model_gets_its_hidden_input_layer():
    model = sequential_cnn()
    assert [type(layer).__name__ for layer in model.layers][0] == "QConv2D"
    graph, _ = qgraph.GenerateGraphFromModel(model, SOURCE, "quantized_bits(8, 0, 1)")
    added = len(model.layers)  # one past the largest index
    assert graph.nodes[added]["type"] == ["InputLayer"]
    assert graph[added][0]["tensor"] is model.inputs[0] and graph[added][0]["shape"] == [(None, 6, 6, 2)]
    assert graph[added][0]["quantizer"].bits == 8
    qgraph.GraphAddHiddenInputLayer(model, graph, {})  # an input layer is there now: nothing changes
    assert len(graph) == len(model.layers) + 3
    graph, _ = qgraph.CreateGraph(model, SOURCE)
    assert list(graph.successors(qgraph.SOURCE)) == [0]
    assert list(nx.topological_sort(graph)) == [-1, 0, 1, 3, 4, -2]


def test_source_quantizers_one_per_input():
    model = two_inputs()
    graph, sources = qgraph.CreateGraph(model, [SOURCE, quantizers.quantized_bits(6, 2, 1)])
    assert [(q.bits, q.int_bits) for q in sources] == [(8, 3), (6, 2)]
    by_name = nodes_by_name(graph)
    assert graph[qgraph.SOURCE][by_name["db"]]["quantizer"] is sources[1]
    # one quantizer for every input, each input its own object
    _, sources = qgraph.CreateGraph(model, SOURCE)
    assert sources[0] == sources[1] and sources[0] is not sources[1]
    # none given: the default, which CreateGraph takes from settings.cfg when it is not named
    qtools_settings.cfg.default_source_quantizer = "quantized_bits(5, 1, 1)"
    _, sources = qgraph.CreateGraph(model)
    assert [(q.bits, q.int_bits) for q in sources] == [(5, 1), (5, 1)]
    with pytest.raises(WrongInputQuantizerError):
        qgraph.CreateGraph(model, [SOURCE])
    assert qgraph.WrongInputQuantizerError is WrongInputQuantizerError


def test_propagate_activations_to_edges():
    model = mlp()
    graph, _ = qgraph.CreateGraph(model, [SOURCE])
    qgraph.GraphPropagateActivationsToEdges(graph)
    ids = nodes_by_name(graph)
    d0 = model.get_layer("d0")
    assert graph[ids["d0"]][ids["d1"]]["quantizer"] is d0.activation  # a quantized activation
    assert graph.nodes[ids["d0"]]["out_quantizer"] is d0.activation
    assert graph[ids["d1"]][ids["relu"]]["quantizer"] is None  # linear
    relu = graph[ids["relu"]][ids["d2"]]["quantizer"]
    assert relu is model.get_layer("relu").activation  # a Keras function: the map types this edge itself
    assert graph[qgraph.SOURCE][ids["d0"]]["quantizer"].bits == 8  # the input edge is left as it is
    graph, _ = qgraph.CreateGraph(sequential_cnn(), SOURCE)
    qgraph.GraphPropagateActivationsToEdges(graph)
    assert graph[1][3]["quantizer"] is sequential_cnn_layer(graph, 1).quantizer  # a QActivation's quantizer


def sequential_cnn_layer(graph: nx.DiGraph, node: int):
    return graph.nodes[node]["layer"][0]


def test_update_edge_remove_node_and_print(capsys):
    model = mlp()
    graph, _ = qgraph.CreateGraph(model, [SOURCE], debug=True)
    assert "... calling d1 ['Dense']" in capsys.readouterr().out
    q = quantizers.quantized_bits(6, 2, 1)
    qgraph.GraphUpdateEdge(graph, 3, q)
    assert graph[3][4]["quantizer"] is q
    qgraph.PrintGraph(graph, "after")
    out = capsys.readouterr().out
    assert "after" in out and "(3, 'd1', ['Dense'])" in out and "(3, 4, (None, 4), quantized_bits(6,2,1))" in out
    # a node that changes the shape cannot be bridged over
    with pytest.raises(ValueError, match="shape"):
        qgraph.GraphRemoveNode(graph, 5)


# -- the data type map of the graph -----------------------------------------------------------------------------

def graph_map(model, sources, **kw):
    """What QKeras' run_qtools does: the graph, activations on its edges, then the map of the graph."""
    graph, source_list = qgraph.CreateGraph(model, sources, qtools_settings.cfg.default_source_quantizer)
    qgraph.GraphPropagateActivationsToEdges(graph)
    is_inference = kw.pop("is_inference", False)
    return graph, gldtm.generate_layer_data_type_map(graph, source_list, is_inference, **kw)


SETTINGS = {"plain": {}, "inference": {"is_inference": True},
            "reference": {"keras_quantizer": "int8", "keras_accumulator": "int32", "for_reference": True},
            "keras defaults": {"keras_quantizer": "quantized_bits(6, 2, 1)", "keras_accumulator": "int16"}}
MODELS = {"mlp": (mlp, [SOURCE]), "sequential": (sequential_cnn, SOURCE),
          "two inputs": (two_inputs, [SOURCE, quantizers.quantized_bits(6, 2, 1)])}


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("name", MODELS)
def test_the_graph_form_gives_the_map_of_the_model(name, setting):
    make, sources = MODELS[name]
    model = make()
    _, by_graph = graph_map(model, sources, **SETTINGS[setting])
    by_model = gldtm.generate_layer_data_type_map(model, sources, **SETTINGS[setting])
    from_model = interface.map_to_json(by_model)
    from_model.pop("drop", None)  # QKeras' graph has no Dropout
    assert interface.map_to_json(by_graph) == from_model
    assert by_graph["input_layers"] == by_model["input_layers"]
    assert by_graph["output_layers"] == by_model["output_layers"]
    energy_graph = qenergy.energy_estimate(model, by_graph, *SRAM)
    energy_model = qenergy.energy_estimate(model, by_model, *SRAM)
    dropout = energy_model.pop("drop", None)
    total = energy_model.pop("total_cost") - (int(sum(dropout["energy"].values())) if dropout else 0)
    assert abs(energy_graph.pop("total_cost") - total) <= 1  # the totals are truncated separately
    assert energy_graph == energy_model


def test_the_map_writes_each_layers_type_on_its_edges():
    model = mlp()
    graph, result = graph_map(model, [SOURCE])
    ids = nodes_by_name(graph)
    m = result["layer_data_type_map"]
    # layers without a quantizer of their own hand their computed type on: the next layer reads it
    d1_out = graph[ids["d1"]][ids["relu"]]["quantizer"]
    assert isinstance(d1_out, quantizer_impl.IQuantizer) and d1_out == m[model.get_layer("d1")].output_quantizer
    assert graph[ids["relu"]][ids["d2"]]["quantizer"] == m[model.get_layer("relu")].output_quantizer
    # a layer naming its activation keeps it on its edges
    assert graph[ids["d0"]][ids["d1"]]["quantizer"] is model.get_layer("d0").activation
    # the source list is passed through; the map is in the graph's order, without the Dropout
    assert result["source_quantizer_list"][0].bits == 8
    assert [layer.name for layer in m] == ["d0", "d1", "relu", "d2", "softmax"]


def test_an_edited_edge_is_what_the_next_layer_reads():
    """QKeras keeps the edges of a layer that names its output quantizer: an edge set by hand is read as is."""
    model = mlp()
    graph, source_list = qgraph.CreateGraph(model, [SOURCE])
    qgraph.GraphPropagateActivationsToEdges(graph)
    ids = nodes_by_name(graph)
    qgraph.GraphUpdateEdge(graph, ids["d0"], quantizers.quantized_bits(6, 2, 1))
    m = gldtm.generate_layer_data_type_map(graph=graph, source_quantizer_list=source_list)["layer_data_type_map"]
    d0, d1 = m[model.get_layer("d0")], m[model.get_layer("d1")]
    assert (d0.output_quantizer.bits, d0.output_quantizer.name) == (4, "quantized_relu")  # the layer's own
    assert (d1.input_quantizer_list[0].bits, d1.input_quantizer_list[0].int_bits) == (6, 2)  # the edge's
    # without the edit d1 reads d0's 4-bit relu
    graph, source_list = qgraph.CreateGraph(model, [SOURCE])
    qgraph.GraphPropagateActivationsToEdges(graph)
    m = gldtm.generate_layer_data_type_map(graph, source_list)["layer_data_type_map"]
    assert m[model.get_layer("d1")].input_quantizer_list[0].bits == 4


def test_the_map_of_a_graph_and_its_source_list_gives_qkeras_published_energy():
    """QKeras' own energy test (784-300-100-10), run the way QKeras' run_qtools runs it."""
    x = xi = keras.Input((784,), name="input")
    x = QDense(300, kernel_quantizer=quantizers.binary(), bias_quantizer=quantizers.binary(), name="d0")(x)
    x = QActivation("quantized_relu(4,0)", name="d0_qr4")(x)
    x = QDense(100, kernel_quantizer=quantizers.quantized_bits(4, 0, 1),
               bias_quantizer=quantizers.quantized_bits(4, 0, 1), name="d1")(x)
    x = QAdaptiveActivation("quantized_relu", 4, name="d1_qr4")(x)
    x = QDense(10, kernel_quantizer=quantizers.quantized_bits(4, 0, 1),
               bias_quantizer=quantizers.quantized_bits(4, 0, 1), name="d2")(x)
    model = keras.Model(xi, keras.layers.Activation("softmax", name="softmax")(x))
    cfg = qtools_settings.cfg
    cfg.update("horowitz", config_public.config_settings)
    for reference, total in ((True, 226629), (False, 41070)):
        graph, sources = qgraph.CreateGraph(model, "int8", cfg.default_source_quantizer)
        qgraph.GraphPropagateActivationsToEdges(graph)
        layer_map = gldtm.generate_layer_data_type_map(graph, sources, False, "int8", "int32", reference,
                                                        model_weights_already_quantized=True, hw_weight_dict=None)
        energy = qenergy.energy_estimate(model, layer_map, *SRAM)
        q = run_qtools.QTools(model, process="horowitz", source_quantizers="int8", keras_quantizer="int8",
                              keras_accumulator="int32", for_reference=reference)
        assert q.extract_energy_sum(cfg.include_energy, energy) == total
        assert energy == q.pe(*SRAM)
        assert interface.map_to_json(layer_map) == q._output_dict


def test_print_qstats_takes_the_graph_as_qkeras_scripts_pass_it(capsys):
    graph, _ = graph_map(mlp(), [SOURCE])
    interface.print_qstats(graph)
    out = capsys.readouterr().out
    # d0: 16 x 8 products of an 8-bit input (3 int, 4 frac) and a 4-bit weight (3 frac): 3 int + 7 frac + sign
    assert "d0: 128 x signed_mul, total_bits:11, int_bits:3" in out and "d2: 12 x signed_shifter" in out


def test_the_model_form_still_works_and_a_map_needs_something_to_map():
    model = mlp()
    m = gldtm.generate_layer_data_type_map(model, [SOURCE], False)["layer_data_type_map"]
    assert [layer.name for layer in m] == ["d0", "drop", "d1", "relu", "d2", "softmax"]
    with pytest.raises(TypeError, match="model or its qgraph"):
        gldtm.generate_layer_data_type_map()


# -- QKeras' qtools examples, written the QKeras way with `qkeras` replaced by `hwq.qkeras` ----------------------

HYBRID_MODEL = '''
import tensorflow.keras as keras

from hwq.qkeras import QActivation
from hwq.qkeras import QDense
from hwq.qkeras import quantizers


def hybrid_model(kernel):
    """Keras and QKeras layers mixed: a float dense layer, then two quantized ones."""
    x = x_in = keras.layers.Input((784,), name="input")
    x = keras.layers.Dense(300, name="d0")(x)
    x = keras.layers.Activation("relu", name="d0_act")(x)
    x = QDense(100, kernel_quantizer=kernel, bias_quantizer=kernel, name="d1")(x)
    x = QActivation("quantized_relu(4,0)", name="d1_qr4")(x)
    x = QDense(10, kernel_quantizer=kernel, bias_quantizer=kernel, name="d2")(x)
    x = keras.layers.Activation("softmax", name="softmax")(x)
    return keras.Model(inputs=[x_in], outputs=[x])
'''

GENERATE_JSON = HYBRID_MODEL + '''
from hwq.qkeras.qtools import run_qtools

if __name__ == "__main__":
    model = hybrid_model(quantizers.quantized_po2(4))
    model.summary()
    q = run_qtools.QTools(model, process="horowitz", source_quantizers=[quantizers.quantized_bits(8, 0, 1)],
                          is_inference=False, weights_path=None, keras_quantizer="int8",
                          keras_accumulator="int32", for_reference=False)
    q.qtools_stats_print()
'''

# QKeras' example asks for process="5nm", a name no shipped config has: QKeras then quietly keeps Horowitz'
# figures, hwq refuses the name (see test_an_unknown_process_is_refused); the same figures come from "horowitz"
GET_ENERGY = HYBRID_MODEL + '''
from hwq.qkeras.qtools import run_qtools
from hwq.qkeras.qtools import settings as qtools_settings

if __name__ == "__main__":
    model = hybrid_model(quantizers.quantized_bits(4, 0, 1))
    model.summary()
    results = {}
    for for_reference in (True, False):
        q = run_qtools.QTools(model, process="horowitz", source_quantizers=[quantizers.quantized_bits(8, 0, 1)],
                              is_inference=False, weights_path=None, keras_quantizer="int8",
                              keras_accumulator="int32", for_reference=for_reference)
        energy_dict = q.pe(weights_on_memory="sram", activations_on_memory="sram",
                           min_sram_size=8 * 16 * 1024 * 1024, rd_wr_on_io=False)
        profile = q.extract_energy_profile(qtools_settings.cfg.include_energy, energy_dict)
        total = q.extract_energy_sum(qtools_settings.cfg.include_energy, energy_dict)
        print("energy profile:", profile)
        print("Total energy:", total)
        results[for_reference] = (profile, total)
'''


def run_script(source: str, name: str) -> dict:
    scope = {"__name__": "__main__"}
    exec(compile(source, name, "exec"), scope)
    return scope


def test_example_generate_json(capsys):
    run_script(GENERATE_JSON, "example_generate_json.py")
    out = capsys.readouterr().out
    stats = json.loads(out[out.index("{\n"):])
    assert list(stats) == ["source_quantizers", "d0", "d0_act", "d1", "d1_qr4", "d2", "softmax"]
    assert stats["source_quantizers"] == [{"quantizer_type": "quantized_bits", "bits": 8, "int_bits": 1,
                                           "is_signed": 1}]
    # d0 is a Keras layer: keras_quantizer (int8) weights; 784 products per output
    assert stats["d0"]["weight_quantizer"]["bits"] == 8 and stats["d0"]["operation_count"] == 784 * 300
    assert stats["d1"]["multiplier"]["op_type"] == "shifter"  # po2 weights shift the input
    assert stats["d2"]["input_quantizer_list"][0] == {"quantizer_type": "quantized_relu", "bits": 4, "int_bits": 0,
                                                      "is_signed": 0}


def test_example_get_energy(capsys):
    scope = run_script(GET_ENERGY, "example_get_energy.py")
    out = capsys.readouterr().out
    assert out.count("Total energy:") == 2
    (ref_profile, ref_total), (trial_profile, trial_total) = scope["results"][True], scope["results"][False]
    assert set(ref_profile) == set(trial_profile) == {"d0", "d0_act", "d1", "d1_qr4", "d2", "softmax"}
    assert isinstance(ref_total, int) and 0 < trial_total < ref_total  # 4-bit layers cost less than int8 ones
    # an activation layer counts its outputs only (include_energy)
    assert ref_profile["d1_qr4"]["total"] == ref_profile["d1_qr4"]["energy"]["outputs"]


def test_an_unknown_process_is_refused():
    with pytest.raises(ValueError, match="unknown process '5nm'"):
        run_qtools.QTools(mlp(), process="5nm", source_quantizers=[SOURCE])
