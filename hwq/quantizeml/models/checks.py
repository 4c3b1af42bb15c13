"""check_quantization: what a quantization configuration gets wrong, as QuantizeML reports it."""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.layers import OutputQuantizer, QuantizedGlobalAveragePooling2D, QuantizedRescaling
from hwq.quantizeml.layers.weight_quantizer import WeightQuantizer
from hwq.quantizeml.models.calibrate import output_quantizers
from hwq.quantizeml.models.graph import Graph, graph_of
from hwq.quantizeml.models.layer_map import SUPPORTED
from hwq.quantizeml.models.record import record_quantization_variables
from hwq.quantizeml.tensors import QFloat

# QuantizeML's threshold on the mean relative error of the quantized scales
MAX_SCALE_ERROR = 5e-2


def check_quantization(model: keras.Model) -> list[str]:
    """The issues found in a quantized model: OutputQuantizers not calibrated, possible saturation of the
    integer operations, scales quantized too coarsely. An empty list means none was found."""
    record_quantization_variables(model)
    graph = graph_of(model)
    messages = []
    for name, quantizer in output_quantizers(model).items():
        layer = model.get_layer(name)
        if isinstance(layer, OutputQuantizer):
            continue  # a standalone quantizer has no layer buffer to compare with
        if np.all(quantizer.range_max.numpy() == 1):
            messages.append(f"{name}/{quantizer.name} is not calibrated.")
            continue
        messages.extend(_saturation(layer, quantizer))
        messages.extend(_scale_error(graph, model, layer, quantizer))
    return messages


def _saturation(layer, quantizer: OutputQuantizer) -> list[str]:
    """The output range needs the buffer's top bits when the quantizer shifts right by at least
    buffer - output value bits: the accumulator that produced such values may have saturated."""
    shift = quantizer.shift.value
    if shift is None:
        return []
    maximum_shift = quantizer.value_bits - layer.buffer_bitwidth
    if np.any(np.asarray(shift) <= maximum_shift):
        return [f"Possible saturation detected in {layer.name}: try to reduce weights bits and/or scale bits."]
    return []


def _scale_error(graph: Graph, model: keras.Model, layer, quantizer: OutputQuantizer) -> list[str]:
    qscales = quantizer.qscales.value
    ideal = _ideal_scales(graph, model, layer)
    if qscales is None or ideal is None:
        return []
    error = float(np.mean(np.abs(ideal - np.asarray(qscales.to_float())) / np.abs(ideal)))
    if error <= MAX_SCALE_ERROR:
        return []
    advice = "Use a per-axis quantizer and/or increase scales bits." if quantizer.axis == "per-tensor" \
        else "Try increasing scales bits."
    return [f"Scales quantization relative error is high in {layer.name}/{quantizer.name}: {error:.4f}. {advice}"]


def _ideal_scales(graph: Graph, model: keras.Model, layer) -> np.ndarray | None:
    """The float scales the OutputQuantizer received: the weights' scales times the input's, or 1 / (H * W)
    times the input's for a global average pooling; None when the input's scales are not known here."""
    input_scale = _input_scale(graph, layer.name)
    if input_scale is None:
        return None
    if isinstance(layer, QuantizedGlobalAveragePooling2D):
        return np.asarray(input_scale / layer.spatial_size)
    scales = [q.qweights.value.scales.numpy() for q in vars(layer).values()
              if isinstance(q, WeightQuantizer) and isinstance(q.qweights.value, QFloat)]
    if not scales:
        return None
    return np.prod(np.broadcast_arrays(*scales), axis=0) * input_scale


def _input_scale(graph: Graph, name: str) -> float | None:
    """The scale of the layer's (single) input: 1.0 for a FixedPoint (after an OutputQuantizer or from the model
    input), the Rescaling's scale when it comes from a QuantizedRescaling through value-moving layers, None
    when it is the QFloat of a layer without OutputQuantizer."""
    node = graph.node(name)
    if node is None or len(node.inputs) != 1:
        return None
    source = graph.node(node.inputs[0])
    while source is not None:
        if isinstance(source.layer, QuantizedRescaling):
            return float(source.layer.scale)
        if getattr(source.layer, "out_quantizer", None) is not None or isinstance(source.layer, OutputQuantizer):
            return 1.0
        if not _is_transparent(source.layer) or len(source.inputs) != 1:
            return None
        source = graph.node(source.inputs[0])
    return 1.0


def _is_transparent(qlayer) -> bool:
    return any(t.transparent for t in SUPPORTED.values() if t.quantized is type(qlayer))
