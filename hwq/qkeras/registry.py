"""qkeras.registry: a general-purpose registry of named items."""

from hwq.quantizers.registry import Registry

__all__ = ["Registry"]
