"""Where quantize puts OutputQuantizers, and the quant_config each quantized layer gets from the params.

An OutputQuantizer goes at the end of each block: on the last layer able to hold one (a QuantizedLayer: weighted
layers, ReLU, global average pooling, Add) before every layer that needs FixedPoint inputs (weighted layers,
Add, Concatenate), looking back through the layers that only move values (max pooling, Flatten, Reshape,
Permute, Dropout, Concatenate). The layers that give the model's outputs get one too (QuantizeML leaves them
their wide result, float scales and all): then the whole model computes on integers and lowers to hardware exactly
(hwq.lower); a q_config entry {"output_quantizer": None} on such a layer gives QuantizeML's float outputs back.
"""

from __future__ import annotations

import keras

from hwq.quantizeml.models.graph import Graph, Node
from hwq.quantizeml.models.layer_map import target_of
from hwq.quantizeml.models.params import QuantizationParams


def output_quantizer_holders(graph: Graph) -> list[Node]:
    """The nodes that get an OutputQuantizer, in graph order."""
    holders: set[str] = set()
    for node in graph.nodes:
        if target_of(node.layer).aligned_inputs:
            holders.update(_holders_before(graph, node))
    holders.update(_holders_of(graph, graph.outputs))  # integer outputs: no float scale left for the hardware
    return [n for n in graph.nodes if n.name in holders]


def _holders_before(graph: Graph, node: Node) -> list[str]:
    return _holders_of(graph, node.inputs)


def _holders_of(graph: Graph, tensors) -> list[str]:
    found = []
    for name in tensors:
        producer = graph.node(name)
        if producer is None:
            continue  # a model input: integers already
        target = target_of(producer.layer)
        if target.takes_output_quantizer:
            found.append(producer.name)
        elif target.transparent:
            found.extend(_holders_before(graph, producer))
    return found


def _readers_through(graph: Graph, name: str) -> list[Node]:
    """The nodes reading tensor `name`, directly or through layers that only move values."""
    readers = []
    for reader in graph.consumers(name):
        readers.append(reader)
        if target_of(reader.layer).transparent:
            readers.extend(_readers_through(graph, reader.name))
    return readers


def _needs_per_tensor(node: Node) -> bool:
    """True when the layer moves the channel axis, so per-channel frac_bits could not follow it."""
    layer = node.layer
    if isinstance(layer, keras.layers.Concatenate):
        return layer.axis not in (-1, len(layer.output.shape) - 1)
    if isinstance(layer, keras.layers.Permute):
        return layer.dims[-1] != len(layer.output.shape) - 1
    if isinstance(layer, keras.layers.Flatten | keras.layers.Reshape):
        before, after = tuple(layer.input.shape), tuple(layer.output.shape)
        return before[-1] != after[-1] or (isinstance(layer, keras.layers.Flatten) and len(before) > 2)
    return False


def output_quantizer_config(graph: Graph, node: Node, qparams: QuantizationParams) -> dict:
    """QuantizeML's rule: activation_bits after a ReLU (signed from 8 bits on), output_bits elsewhere; per-axis
    unless asked per-tensor, the outputs are vectors, or a later layer moves the channel axis."""
    rank = len(node.layer.output.shape)
    per_tensor = qparams.per_tensor_activations or rank < 3 or \
        any(_needs_per_tensor(r) for r in _readers_through(graph, node.name))
    config = {"axis": "per-tensor" if per_tensor else "per-axis", "buffer_bitwidth": qparams.buffer_bits}
    if isinstance(node.layer, keras.layers.ReLU):
        config.update(bitwidth=qparams.activation_bits, signed=qparams.activation_bits >= 8)
    else:
        config.update(bitwidth=qparams.output_bits, signed=True)
    return config


def input_weighted_layers(graph: Graph) -> set[str]:
    """The weighted layers reached from a model input without crossing another weighted layer."""
    reached = {i.name for i in graph.inputs}
    first = set()
    for node in graph.nodes:
        if any(i in reached for i in node.inputs):
            if target_of(node.layer).weighted:
                first.add(node.name)
            else:
                reached.add(node.name)
    return first


def default_quant_configs(graph: Graph, qparams: QuantizationParams) -> dict[str, dict]:
    """The quant_config of every layer that takes one, from qparams alone."""
    holders = {n.name for n in output_quantizer_holders(graph)}
    first = input_weighted_layers(graph)
    configs = {}
    for node in graph.nodes:
        target = target_of(node.layer)
        if not target.takes_output_quantizer:
            continue
        config: dict = {"buffer_bitwidth": qparams.buffer_bits}
        if target.weighted and not isinstance(node.layer, keras.layers.BatchNormalization):
            bits = qparams.input_weight_bits if node.name in first else qparams.weight_bits
            names = ("dw_weight_quantizer", "pw_weight_quantizer") \
                if isinstance(node.layer, keras.layers.SeparableConv2D) else ("weight_quantizer",)
            config.update({name: {"bitwidth": bits} for name in names})
        if node.name in holders:
            config["output_quantizer"] = output_quantizer_config(graph, node, qparams)
        configs[node.name] = config
    return configs


def merged(defaults: dict, override: dict | None) -> dict:
    """defaults with q_config's entry on top, two levels deep; an entry set to None removes that key."""
    result = {k: dict(v) if isinstance(v, dict) else v for k, v in defaults.items()}
    for key, value in (override or {}).items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key].update(value)
        else:
            result[key] = dict(value) if isinstance(value, dict) else value
    return result
