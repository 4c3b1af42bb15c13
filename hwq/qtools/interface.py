"""qtools' JSON and printed forms of the data type map (QKeras' `qtools.interface`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hwq.qtools.qtools_util import get_val
from hwq.qtools.qtypes import QType


def populate_quantizer(quantizer: QType | None, shape: Any = None, implemented_as: str | None = None) -> dict[str, Any]:
    """QKeras' JSON fields of one type (empty for None); a None batch dimension is written as -1."""
    if quantizer is None:
        return {}
    return quantizer.to_json(shape, implemented_as)


def map_to_json(mydict: dict[str, Any]) -> dict[str, Any]:
    """The JSON dictionary of a generate_layer_data_type_map result: "source_quantizers", then one item
    per layer with its type fields and operation count, in QKeras' key order."""
    out: dict[str, Any] = {}
    sources = [populate_quantizer(q) for q in mydict["source_quantizer_list"]]
    if sources:
        out["source_quantizers"] = sources
    for layer, feature in mydict["layer_data_type_map"].items():
        out[layer.name] = layer_item(type(layer).__name__, feature)
    return out


def layer_item(layer_type: str, feature: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"layer_type": layer_type,
                            "input_quantizer_list": [populate_quantizer(q)
                                                     for q in get_val(feature, "input_quantizer_list")]}
    plain = (("output_quantizer", "output_shapes"), ("weight_quantizer", "w_shapes"), ("bias_quantizer", "b_shapes"))
    for key, shape_key in plain:
        fields = populate_quantizer(get_val(feature, key), get_val(feature, shape_key))
        if fields:
            item[key] = fields
    for key in ("multiplier", "accumulator"):  # operations: their output type, with how they are built
        operation = get_val(feature, key)
        if operation is not None:
            item[key] = populate_quantizer(operation.output, implemented_as=operation.implemented_as())
    item["operation_count"] = get_val(feature, "operation_count")
    return item


def multiplier_description(multiplier: Any) -> str:
    """How print_qstats names a multiplier: signedness, kind, total and integer bits (sign excluded)."""
    out = multiplier.output
    return (f"{'signed' if out.is_signed else 'unsigned'}_{multiplier.implemented_as()}, "
            f"total_bits:{out.bits}, int_bits:{out.int_bits}")


def print_qstats(layer_map: Any) -> None:
    """Print each MAC layer's operation count and multiplier, then the count per multiplier kind.

    layer_map: a generate_layer_data_type_map result or a Keras model (mapped with the current cfg);
    QKeras' version takes its qgraph and stops at the first layer without a multiplier.
    """
    if not isinstance(layer_map, dict):
        from hwq.qtools.layer_data_type import generate_layer_data_type_map

        layer_map = generate_layer_data_type_map(layer_map)
    totals: Counter[str] = Counter()
    print("")
    print("Number of operations in model:")
    for layer, feature in layer_map["layer_data_type_map"].items():
        multiplier = get_val(feature, "multiplier")
        if multiplier is None:
            continue
        description = multiplier_description(multiplier)
        count = get_val(feature, "operation_count")
        print(f"{layer.name}: {count} x {description}")
        totals[description] += count
    print("")
    print("Number of operation types in model:")
    for description, count in totals.items():
        print(f"{description}, x {count}")


__all__ = ["populate_quantizer", "map_to_json", "layer_item", "print_qstats"]
