"""quantize: a float Keras model to the equivalent model of hwq.quantizeml layers, calibrated."""

from __future__ import annotations

import keras

from hwq.quantizeml.layers import Dequantizer
from hwq.quantizeml.models.calibrate import calibrate
from hwq.quantizeml.models.graph import Graph, Node, graph_of, model_of
from hwq.quantizeml.models.layer_map import check_supported, is_quantized, target_of
from hwq.quantizeml.models.params import QuantizationParams, quantization
from hwq.quantizeml.models.placement import default_quant_configs, merged
from hwq.quantizeml.models.transforms import sanitize
from hwq.quantizeml.models.utils import copy_variables

DEFAULT_PARAMS = QuantizationParams()  # frozen, so one shared default is safe


def quantize(model: keras.Model, q_config: dict | None = None, qparams: QuantizationParams = DEFAULT_PARAMS,
             samples=None, num_samples: int = 1024, batch_size: int | None = None, epochs: int = 1,
             progress: bool = False) -> keras.Model:
    """The quantized twin of a float Keras model, calibrated on `samples` (random 8-bit integers when None).

    The model is sanitized (transforms.sanitize), every layer is replaced by its hwq.quantizeml version with the
    float weights copied, OutputQuantizers are placed at the end of each block (see placement.py) with the
    bitwidths of `qparams`, and a Dequantizer ends each output. `q_config` maps layer names to quant_config
    entries that take priority over those from qparams, key by key (dump_config gives a complete one).
    The quantized model reads 8-bit integers: a float input is truncated toward zero, so a model for other
    inputs should start with a Rescaling (transforms.insert_rescaling). `progress` (hwq's, not QuantizeML's) prints
    calibration's text bar to stderr.
    """
    if any(is_quantized(layer) for layer in model.layers):
        raise ValueError(f"model '{model.name}' is already quantized: quantize the float model it came from")
    float_model = sanitize(model)
    graph = graph_of(float_model)
    check_supported([n.layer for n in graph.nodes])
    configs = _layer_configs(graph, q_config or {}, qparams)
    with quantization(qparams):  # defaults the configs leave unset come from qparams too
        qmodel = model_of(_with_dequantizers(graph), _quantized_factory(configs), name=model.name)
    calibrate(float_model, qmodel, samples=samples, num_samples=num_samples, batch_size=batch_size, epochs=epochs,
              progress=progress)
    return qmodel


def _layer_configs(graph: Graph, q_config: dict, qparams: QuantizationParams) -> dict[str, dict]:
    names = {n.name for n in graph.nodes}
    unknown = sorted(set(q_config) - names)
    if unknown:
        raise ValueError(f"q_config names layer(s) {unknown} that are not in the sanitized model (a folded "
                         f"BatchNormalization disappears into the layer before it); its layers are {sorted(names)}")
    defaults = default_quant_configs(graph, qparams)
    for name in q_config:
        if name not in defaults:
            raise ValueError(f"q_config: layer '{name}' ({type(graph.node(name).layer).__name__}) takes no "
                             "quant_config")
    return {name: merged(config, q_config.get(name)) for name, config in defaults.items()}


def _with_dequantizers(graph: Graph) -> Graph:
    """The graph with a Dequantizer after each output."""
    edited = Graph(list(graph.inputs), list(graph.nodes), list(graph.outputs), graph.name)
    for output in graph.outputs:
        edited.insert_after(output, Dequantizer(name=f"{output}_dequantizer"))
    return edited


def _quantized_factory(configs: dict[str, dict]):
    def factory(node: Node):
        if isinstance(node.layer, Dequantizer):
            return node.layer, lambda new: None
        target = target_of(node.layer)
        arguments = dict(target.arguments(node.layer))
        if node.name in configs:
            arguments["quant_config"] = configs[node.name]
        try:
            qlayer = target.quantized.from_config(arguments)
        except (TypeError, ValueError) as e:
            raise ValueError(f"layer '{node.name}' ({type(node.layer).__name__}): {e}") from e
        return qlayer, lambda new: copy_variables(node.layer, new)
    return factory
