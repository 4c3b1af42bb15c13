"""generate_layer_data_type_map: QKeras' form of the data type map (hwq.qtools.datatype_map).

QKeras returns {"source_quantizer_list", "output_layers", "input_layers", "layer_data_type_map"}, the
last keyed by layer object with one LayerDataType per layer, holding QKeras' qtools objects (QuantizedBits,
Mux, FixedPointAccumulator, ...); this builds the same from hwq's map (whose types are hwq's QTypes), so
scripts reading `entry.multiplier.output.bits` or testing `isinstance(entry.multiplier, Mux)` keep working.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from hwq.qtools.accumulator_impl import IAccumulator, from_output
from hwq.qtools.datatype_map import LayerTypes, MapSettings, datatype_map, source_types
from hwq.qtools.multiplier_impl import IMultiplier, from_record
from hwq.qtools.qtypes import QType
from hwq.qtools.quantizer_impl import IQuantizer, from_qtype


class LayerDataType(NamedTuple):
    """One layer's types under QKeras' field names; the MAC fields are None for other layers."""

    input_quantizer_list: list[IQuantizer]
    multiplier: IMultiplier | None
    accumulator: IAccumulator | None
    weight_quantizer: IQuantizer | None
    w_shapes: tuple | None
    bias_quantizer: IQuantizer | None
    b_shapes: tuple | None
    output_quantizer: IQuantizer
    output_shapes: tuple
    operation_count: int


def layer_data_type(entry: LayerTypes) -> LayerDataType:
    """One layer of hwq's map as QKeras' objects (fresh ones: a script may change them, as in QKeras)."""
    inputs = [from_qtype(q) for q in entry.input_types]
    weight = from_qtype(entry.weight_type) if entry.weight_type is not None else None
    multiplier = accumulator = None
    if entry.multiplier is not None:
        multiplier = from_record(entry.multiplier, weight, inputs[0])
    if entry.accumulator is not None and multiplier is not None:
        accumulator = from_output(entry.accumulator, multiplier)
    bias = from_qtype(entry.bias_type) if entry.bias_type is not None else None
    return LayerDataType(inputs, multiplier, accumulator, weight, entry.weight_shape, bias, entry.bias_shape,
                         from_qtype(entry.output_type), (None, *entry.output_shape), entry.operation_count)


def qkeras_layer_map(model, source_quantizer_list: list[QType], types: dict[str, LayerTypes]) -> dict[str, Any]:
    """QKeras' result dictionary for hwq's map `types` of `model`."""
    layers = {name: model.get_layer(name) for name in types}
    return {"source_quantizer_list": [from_qtype(q) for q in source_quantizer_list],
            "output_layers": [layers[name] for name, entry in types.items() if entry.is_output],
            "input_layers": [layers[name] for name, entry in types.items() if entry.is_input],
            "layer_data_type_map": {layers[name]: layer_data_type(entry) for name, entry in types.items()}}


def generate_layer_data_type_map(model, source_quantizer_list: Any = None, is_inference: bool = False,
                                 keras_quantizer: Any = None, keras_accumulator: Any = None,
                                 for_reference: bool = False, debug: bool = False,
                                 model_weights_already_quantized: bool = True,
                                 hw_weight_dict: dict | None = None) -> dict[str, Any]:
    """The data type map of a Keras model (QKeras takes its qgraph of the model instead). The default
    quantizers of inputs and of unquantized layers come from `settings.cfg` as it is now.

    `debug` prints nothing more; `model_weights_already_quantized` changes nothing (hwq quantizes the
    weights it reads itself, which leaves already quantized weights as they are).
    """
    from hwq.qtools.settings import cfg

    if hw_weight_dict is not None:
        raise NotImplementedError("hw_weight_dict (fused batch normalization weights) is not modelled by hwq's qtools")
    settings = MapSettings(is_inference, keras_quantizer, keras_accumulator, for_reference,
                           cfg.default_source_quantizer, cfg.default_interm_quantizer)
    sources = source_types(model, source_quantizer_list, settings.source_quantizer)
    return qkeras_layer_map(model, sources, datatype_map(model, source_quantizer_list, settings))


__all__ = ["LayerDataType", "generate_layer_data_type_map", "layer_data_type", "qkeras_layer_map"]
