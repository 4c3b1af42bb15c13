"""qkeras.qtools.interface: JSON and printed forms of the data type map (hwq.qtools.interface)."""

from hwq.qtools.interface import map_to_json, populate_quantizer, print_qstats

__all__ = ["map_to_json", "populate_quantizer", "print_qstats"]
