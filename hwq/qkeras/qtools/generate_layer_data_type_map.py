"""qkeras.qtools.generate_layer_data_type_map: the data type map in QKeras' form (hwq.qtools.layer_data_type)."""

from hwq.qtools.layer_data_type import LayerDataType, generate_layer_data_type_map

__all__ = ["LayerDataType", "generate_layer_data_type_map"]
