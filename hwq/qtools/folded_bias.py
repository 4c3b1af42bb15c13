"""populate_bias_quantizer_from_accumulator (QKeras' bn_folding_utils): give each batchnorm-folded convolution
that has no bias quantizer the type of its multiply-accumulate as one.

A folded layer adds its folded bias to the sum of its products, so the bias may as well be held in the
accumulator's type: QKeras sizes that accumulator with its qtools rules (hwq.qtools.operators), from the kernel
quantizer and the layer's input type, summing prod(kernel.shape[:-1]) products and no bias, and turns it into
quantized_bits(bits, int_bits, keep_negative=signed, symmetric=1). QKeras does this for QConv2DBatchnorm and
QDepthwiseConv2DBatchnorm (a depthwise kernel (kh, kw, c, m) counts kh·kw·c products, QKeras' count), not for
QDenseBatchnorm; so does hwq.

Input types come from hwq's data type map (hwq.qtools.datatype_map) with QKeras' settings for this function: model
inputs and Keras layers quantized_bits(8, 0, 1). That map does not type folded layers' outputs yet, so the type a
folded layer hands on without a quantized activation is worked out here: its accumulator, one bit wider (QKeras
widens it so that adding the bias cannot overflow), or the accumulator with its bias quantizer added. A folded
layer whose input type would depend on such an output through another multiply-accumulate layer is refused.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from hwq.qtools.datatype_map import ACTIVATION_LAYERS, MAC_LAYERS, MapSettings, datatype_map
from hwq.qtools.operators import AccumulatorFactory, MultiplierFactory, QuantizerFactory
from hwq.qtools.qtypes import Multiplier, QType, fixed, qtype_of
from hwq.qtools.settings import cfg
from hwq.quantizers import quantized_bits
from hwq.utils.qstats import FLOAT, get_quant_mode

FOLDED_CLASSES = ("QConv2DBatchnorm", "QDepthwiseConv2DBatchnorm")
DEFAULT_QUANTIZER = "quantized_bits(8, 0, 1)"  # QKeras' choice here for inputs and Keras layers


def populate_bias_quantizer_from_accumulator(model: keras.Model, source_quantizers: Any) -> keras.Model:
    """The model (changed in place, as QKeras does) with every QConv2DBatchnorm / QDepthwiseConv2DBatchnorm
    without a bias quantizer given the quantizer of its accumulator type. `source_quantizers`: the quantizer of
    each model input (a list), one for all, or None for quantized_bits(8, 0, 1). A layer whose accumulator is a
    float (a float kernel or input) keeps its float bias."""
    settings = MapSettings(False, DEFAULT_QUANTIZER, DEFAULT_QUANTIZER, False, DEFAULT_QUANTIZER,
                           cfg.default_interm_quantizer)
    types = datatype_map(model, source_quantizers, settings)
    folded_outputs: dict[str, QType] = {}  # what each folded layer hands on, as QKeras types it
    for layer in model.layers:
        if type(layer).__name__ not in FOLDED_CLASSES:
            continue
        multiplier = folded_multiplier(layer, _input_type(layer, types[layer.name].input_types[0], folded_outputs))
        kernel_shape = np.shape(layer.get_weights()[0])
        accumulator = AccumulatorFactory().make_accumulator(kernel_shape, multiplier, use_bias=False).output
        had_bias_quantizer = bool(layer.bias_quantizer)  # QKeras types the whole model before changing a layer
        if not had_bias_quantizer and not accumulator.is_float:
            _set_bias_quantizer(layer, quantizer_of(accumulator))
        folded_outputs[layer.name] = _output_type(layer, multiplier, accumulator, had_bias_quantizer)
    return model


def folded_multiplier(layer: keras.layers.Layer, input_type: QType) -> Multiplier:
    """The multiplier of a folded layer's kernel quantizer (the default type when it has none) and its input."""
    kernel_type = QuantizerFactory().make_quantizer(layer.get_quantizers()[0])
    return MultiplierFactory().make_multiplier(kernel_type, input_type)


def quantizer_of(qtype: QType) -> quantized_bits:
    """A fixed-point qtools type as the quantizer QKeras makes of it (symmetric, no alpha)."""
    return quantized_bits(qtype.bits, qtype.int_bits, symmetric=1, keep_negative=bool(qtype.signed), alpha=None)


def _set_bias_quantizer(layer, quantizer) -> None:
    # what QKeras sets: the given and the internal quantizer, and the quantizer list the layer reports
    layer.bias_quantizer = quantizer
    layer.bias_quantizer_internal = quantizer
    layer.quantizers = [getattr(layer, f"{name}_quantizer_internal") for name in layer.quantizer_names]


def _output_type(layer, multiplier: Multiplier, accumulator: QType, had_bias_quantizer: bool) -> QType:
    """What a folded layer hands on: its quantized activation's type; else, with a bias quantizer, the sum of the
    products and the bias (one more addend); without one, the products' sum one bit wider."""
    activation = getattr(layer, "activation", None)
    if _is_quantized(activation):
        return qtype_of(activation)
    if had_bias_quantizer:
        kernel_shape = np.shape(layer.get_weights()[0])
        return AccumulatorFactory().make_accumulator(kernel_shape, multiplier, use_bias=True).output
    if accumulator.is_float:
        return accumulator
    return fixed(accumulator.bits + 1, accumulator.int_bits + 1, accumulator.signed)


def _input_type(layer, mapped: QType, folded_outputs: dict[str, QType]) -> QType:
    """The type of the layer's input: the map's (`mapped`), unless the input comes from a folded layer, which the
    map does not type. A multiply-accumulate layer without quantized activation between the two is refused."""
    producer = _producer(layer)
    if producer.name in folded_outputs:
        return folded_outputs[producer.name]
    source = producer
    while type(source).__name__ in MAC_LAYERS and not _is_quantized(getattr(source, "activation", None)):
        source = _producer(source)
        if source.name in folded_outputs:
            raise ValueError(f"layer {layer.name!r}: its input type comes through layer {producer.name!r} from the "
                             f"folded layer {source.name!r}, which has no quantized activation; hwq's data type map "
                             "does not type folded layers' outputs yet (add a QActivation after it)")
    return mapped


def _producer(layer):
    """The layer that sets the type of `layer`'s (first) input: the first one up the graph that is an input, an
    activation, a multiply-accumulate or a folded layer (hwq's map passes any other layer's input type on)."""
    tensor = layer.input
    while True:
        inputs = tensor if not isinstance(tensor, list | tuple) else tensor[0]
        producer = inputs._keras_history[0]
        if type(producer).__name__ in ("InputLayer", *ACTIVATION_LAYERS, *MAC_LAYERS, *FOLDED_CLASSES):
            return producer
        tensor = producer.input


def _is_quantized(activation: Any) -> bool:
    return activation is not None and get_quant_mode(activation)[0] != FLOAT


__all__ = ["populate_bias_quantizer_from_accumulator", "folded_multiplier", "quantizer_of"]
