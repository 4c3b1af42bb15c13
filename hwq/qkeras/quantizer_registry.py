"""qkeras.quantizer_registry: registering quantizer classes and finding them by name."""

from hwq.quantizers.registry import lookup_quantizer, register_quantizer

__all__ = ["register_quantizer", "lookup_quantizer"]
