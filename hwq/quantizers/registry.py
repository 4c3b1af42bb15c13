"""The quantizer classes hwq knows by name: for string parsing, config dicts and Keras saving."""

from __future__ import annotations

from typing import Any

import keras

_QUANTIZERS: dict[str, type] = {}


def register_quantizer(cls: type) -> type:
    """Class decorator: make `cls` known by its class name here and to Keras (as "hwq>NAME")."""
    cls = keras.saving.register_keras_serializable(package="hwq")(cls)
    _QUANTIZERS[cls.__name__] = cls
    return cls


def lookup_quantizer(name: str) -> type:
    """The registered quantizer class called `name` (QKeras' quantizer_registry.lookup_quantizer); KeyError if
    none is."""
    cls = _QUANTIZERS.get(name)
    if cls is None:
        raise KeyError(f"no quantizer is registered as {name!r}; known: {', '.join(known_quantizers())}")
    return cls


class Registry:
    """QKeras' general-purpose registry: items recorded under a name (their __name__ by default), looked up by it."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}

    def register(self, item: Any, name: str | None = None) -> None:
        self._items[name or item.__name__] = item

    def lookup(self, name: str) -> Any:
        """The item recorded as `name`; KeyError if none is."""
        return self._items[name]


def quantizer_class(name: str) -> type | None:
    """The registered quantizer class called `name`, or None."""
    return _QUANTIZERS.get(name)


def known_quantizers() -> list[str]:
    """Names of every registered quantizer, sorted (used in error messages)."""
    return sorted(_QUANTIZERS)
