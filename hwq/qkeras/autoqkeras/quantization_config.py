"""qkeras.autoqkeras.quantization_config: the default quantizer menus (hwq.autoqkeras.quantization_config)."""

from hwq.autoqkeras.quantization_config import default_quantization_config

__all__ = ["default_quantization_config"]
