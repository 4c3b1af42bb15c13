"""qkeras.qtools.generate_layer_data_type_map: the data type map in QKeras' form (hwq.qtools.layer_data_type),
of a model's qgraph as QKeras' run_qtools passes it, or of the Keras model itself."""

from hwq.qtools.layer_data_type import LayerDataType, generate_layer_data_type_map

__all__ = ["LayerDataType", "generate_layer_data_type_map"]
