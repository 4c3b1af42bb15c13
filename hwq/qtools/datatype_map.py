"""qtools' data type map of a Keras model: per layer, the types of inputs, weights, bias, multiplier,
accumulator and output, and the operation count, with QKeras' worst-case bit-growth rules.

Layers are read from their Keras shapes, so convolutions are covered although hwq's IR lowers only
dense chains so far. The walk follows tensors, so any single- or multi-input functional model works.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import prod
from typing import Any

import numpy as np

from hwq.qtools.qtypes import Multiplier, QType, make_accumulator, make_multiplier, qtype_of
from hwq.utils.qstats import FLOAT, PO2, _counts, get_quant_mode

MAC_LAYERS = ("QDense", "QConv1D", "QConv2D", "QDepthwiseConv2D", "Dense", "Conv1D", "Conv2D", "DepthwiseConv2D")
ACTIVATION_LAYERS = ("QActivation", "QAdaptiveActivation", "Activation")
DEFAULT_SOURCE_QUANTIZER = "quantized_bits(8, 0, 1)"  # QKeras' assumption for model inputs
DEFAULT_INTERM_QUANTIZER = "quantized_bits(8, 0, 1)"  # for Keras layers when no keras_quantizer is given


class WrongInputQuantizerError(ValueError):
    """source_quantizers does not give one quantizer per model input."""


@dataclass
class LayerTypes:
    name: str
    class_name: str
    input_types: list[QType]
    input_shapes: list[tuple]
    output_type: QType
    output_shape: tuple
    operation_count: int
    is_input: bool = False
    is_output: bool = False
    weight_type: QType | None = None
    weight_shape: tuple | None = None
    bias_type: QType | None = None
    bias_shape: tuple | None = None
    multiplier: Multiplier | None = None
    accumulator: QType | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MapSettings:
    is_inference: bool = False
    keras_quantizer: Any = None
    keras_accumulator: Any = None
    for_reference: bool = False
    source_quantizer: Any = DEFAULT_SOURCE_QUANTIZER  # of model inputs when none is given
    interm_quantizer: Any = DEFAULT_INTERM_QUANTIZER  # of Keras layers when keras_quantizer/accumulator are not

    def weight_default(self) -> QType:
        return qtype_of(self.keras_quantizer or self.interm_quantizer)

    def interm_default(self) -> QType:
        return qtype_of(self.keras_accumulator or self.interm_quantizer)


def source_types(model, source_quantizers: Any, default: Any = DEFAULT_SOURCE_QUANTIZER) -> list[QType]:
    n = len(model.inputs)
    if source_quantizers is None:
        return [qtype_of(default)] * n
    if not isinstance(source_quantizers, list | tuple):
        return [qtype_of(source_quantizers)] * n
    if len(source_quantizers) != n:
        raise WrongInputQuantizerError(f"model {model.name!r} has {n} input(s) but {len(source_quantizers)} "
                                       "source quantizers were given")
    return [qtype_of(q) for q in source_quantizers]


def datatype_map(model, source_quantizers: Any = None, settings: MapSettings = MapSettings()) -> dict[str, LayerTypes]:
    """Every layer but the input layers, in model order."""
    sources = source_types(model, source_quantizers, settings.source_quantizer)
    types: dict[int, QType] = {id(t): q for t, q in zip(model.inputs, sources, strict=True)}
    input_ids = {id(t) for t in model.inputs}
    output_ids = {id(t) for t in model.outputs}
    out: dict[str, LayerTypes] = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        inputs = layer.input if isinstance(layer.input, list | tuple) else [layer.input]
        entry = layer_types(layer, [types[id(t)] for t in inputs], any(id(t) in input_ids for t in inputs),
                            id(layer.output) in output_ids, settings)
        types[id(layer.output)] = entry.output_type
        out[layer.name] = entry
    return out


def layer_types(layer: Any, in_types: list[QType], is_input: bool, is_output: bool,
                settings: MapSettings) -> LayerTypes:
    """One layer's entry given the types of its inputs (the model form and the qgraph form both ask this): a
    dense or convolution layer's weights, products and sums; an activation layer's quantizer (or the default
    type); any other layer passes its first input's type on (the accumulator type for_reference, but for input
    layers)."""
    class_name = type(layer).__name__
    inputs = layer.input if isinstance(layer.input, list | tuple) else [layer.input]
    entry = LayerTypes(layer.name, class_name, in_types, [tuple(t.shape[1:]) for t in inputs], in_types[0],
                       tuple(layer.output.shape[1:]), _element_count(layer.output), is_input, is_output)
    if class_name in MAC_LAYERS:
        _mac(layer, entry, settings)
    elif class_name in ACTIVATION_LAYERS:
        quantizer = getattr(layer, "quantizer", None)
        quantized = not settings.for_reference and _is_quantized(quantizer)
        entry.output_type = qtype_of(quantizer) if quantized else settings.interm_default()
    elif settings.for_reference and settings.keras_accumulator and not is_input:
        entry.output_type = qtype_of(settings.keras_accumulator)
    return entry


def _mac(layer, entry: LayerTypes, settings: MapSettings) -> None:
    quantized = hasattr(layer, "get_quantizers")
    use_bias = bool(getattr(layer, "use_bias", False))
    if settings.for_reference or not quantized:
        w = b = settings.weight_default()
    else:
        quantizers = layer.get_quantizers()
        w, b = qtype_of(quantizers[0]), qtype_of(quantizers[-1])
    kernel = np.asarray(layer.get_weights()[0])
    if settings.is_inference and w.mode == PO2:
        # known weights: a po2 multiplier only needs to shift by the exponents that occur
        w = replace(w, value_count=len(np.unique(_quantized_kernel(layer, kernel))))
    x = entry.input_types[0]
    mult = make_multiplier(w, x)
    acc = make_accumulator(mult.output, _fan_in(entry.class_name, layer, kernel), b if use_bias else None)
    if settings.for_reference or not quantized:
        mult = replace(mult, output=settings.interm_default())
        acc = settings.interm_default()
    activation = getattr(layer, "activation", None)
    entry.output_type = qtype_of(activation) if not settings.for_reference and _is_quantized(activation) else acc
    q_name = entry.class_name if entry.class_name.startswith("Q") else "Q" + entry.class_name
    entry.operation_count = int(_counts(layer, q_name, [None, None])[0])
    entry.weight_type, entry.weight_shape = w, tuple(kernel.shape)
    if use_bias:
        entry.bias_type, entry.bias_shape = b, tuple(np.shape(layer.get_weights()[1]))
    entry.multiplier, entry.accumulator = mult, acc


def _fan_in(class_name: str, layer, kernel: np.ndarray) -> int:
    """Products summed per output. A depthwise kernel (kh, kw, ci, m) sums kh·kw of them, not kh·kw·ci
    (QKeras treats it as a dense kernel and counts the input channels too)."""
    if "Depthwise" in class_name:
        return int(prod(kernel.shape[:-2]))
    return int(prod(kernel.shape[:-1]))


def _quantized_kernel(layer, kernel: np.ndarray) -> np.ndarray:
    q = layer.get_quantizers()[0]
    q = q.copy() if hasattr(q, "copy") else q
    return np.asarray(q(kernel))


def _is_quantized(quantizer: Any) -> bool:
    return quantizer is not None and get_quant_mode(quantizer)[0] != FLOAT


def _element_count(tensor) -> int:
    return int(prod(int(d) for d in tensor.shape[1:]))
